"""``deepalpha config``: check and show the effective configuration."""

from __future__ import annotations

import click

from .main import config_options


@click.group("config")
def config_group() -> None:
    """Validate and show configuration."""


@config_group.command("validate")
@config_options
@click.option(
    "--mode",
    type=click.Choice(["all", "backtest", "paper"]),
    default="all",
    show_default=True,
    help="Check the settings of this run mode only (all: every mode's).",
)
def validate(config_path: str | None, env: str | None, mode: str) -> None:
    """Check the configuration as a run would, building every component without running.

    Refuses exactly what ``deepalpha backtest`` and ``deepalpha run`` refuse: names, options,
    window dates, timeframe, symbols, LLM providers, database URL and writable folders, and
    plugins whose factories fail. Nothing is read from market data and no database is created.
    """
    from ..config import load_config
    from ..engine.prepare import prepare

    config = load_config(config_path, env)
    # Plugins that failed to load but are not used are logged as warnings by ``prepare``.
    prepare(config, None if mode == "all" else mode).close()
    click.echo(f"config OK ({config_path or 'defaults'}{', env ' + env if env else ''})")


@config_group.command("show")
@config_options
def show(config_path: str | None, env: str | None) -> None:
    """Print the merged configuration with secrets masked."""
    import yaml

    from ..config import load_config, mask_secrets, to_dict

    config = load_config(config_path, env)
    click.echo(yaml.safe_dump(mask_secrets(to_dict(config)), sort_keys=False))
