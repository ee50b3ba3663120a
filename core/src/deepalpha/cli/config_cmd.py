"""``deepalpha config``: check and show the effective configuration."""

from __future__ import annotations

import click

from .main import config_options


@click.group("config")
def config_group() -> None:
    """Validate and show configuration."""


@config_group.command("validate")
@config_options
def validate(config_path: str | None, env: str | None) -> None:
    """Check the configuration, including every component name and its options."""
    from ..config import load_config
    from ..engine.components import resolve_options
    from ..plugins import get_plugin_manager

    config = load_config(config_path, env)
    plugins = get_plugin_manager()
    checks = [("data", config.market.source, config.market.options, "market")]
    checks += [
        ("agent", n, c.options, f"agents.{n}") for n, c in config.agents.items() if c.enabled
    ]
    checks += [("risk", n, c.options, f"risk.{n}") for n, c in config.risk.items() if c.enabled]
    checks += [
        ("llm", c.provider, c.options, f"llm_providers.{n}")
        for n, c in config.llm_providers.items()
        if n in config.decision.llm.providers
    ]
    checks.append(("gateway", config.gateway.name, config.gateway.options, "gateway"))
    for kind, name, options, path in checks:
        resolve_options(plugins, kind, name, options, path)
    click.echo(f"config OK ({config_path or 'defaults'}{', env ' + env if env else ''})")


@config_group.command("show")
@config_options
def show(config_path: str | None, env: str | None) -> None:
    """Print the merged configuration with secrets masked."""
    import yaml

    from ..config import load_config, mask_secrets, to_dict

    config = load_config(config_path, env)
    click.echo(yaml.safe_dump(mask_secrets(to_dict(config)), sort_keys=False))
