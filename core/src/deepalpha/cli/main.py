"""The ``deepalpha`` command group and its error policy.

User mistakes (``UserError``) are printed on one line to stderr with exit status 2, never as a
traceback. Plugins add commands through the ``register_commands`` hook; each plugin's hook is
called on its own so one broken plugin cannot take the CLI down.
"""

from __future__ import annotations

import functools
import logging
import sys

import click

from .. import __version__
from ..errors import ConfigError, PluginError, UserError, in_source

log = logging.getLogger(__name__)


class UserFacingError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        message = " ".join(self.format_message().split("\n"))
        click.echo(f"Error: {message}", err=True)


class DeepAlphaGroup(click.Group):
    """A click group that turns ``UserError`` from any subcommand into a one-line error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise UserFacingError(str(exc)) from None


def config_options(command):
    """``--config`` and ``--env``, shared by every command that reads configuration.

    A configuration or plugin error raised while the command runs names the ``--config`` file
    first, so the user knows which file the key path is in.
    """

    @functools.wraps(command)
    def named(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ConfigError, PluginError) as exc:
            raise in_source(exc, kwargs.get("config_path")) from None

    func = click.option(
        "--env",
        "env",
        type=click.Choice(["development", "production", "backtest"]),
        default=None,
        help="Configuration overlay to apply (default: $DEEPALPHA_ENV, else none).",
    )(named)
    return click.option(
        "-c",
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="YAML file merged over the defaults.",
    )(func)


@click.group(cls=DeepAlphaGroup)
@click.version_option(__version__, prog_name="deepalpha")
def cli() -> None:
    """DeepAlpha: LLM-driven multi-agent trading. Paper trading is the default."""


@cli.group("data")
def data_group() -> None:
    """Market data: list and download datasets (commands come from data plugins)."""


def _register_plugin_commands(group: click.Group) -> None:
    from ..plugins import get_plugin_manager

    plugins = get_plugin_manager()
    for impl in plugins.pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=group)
        except Exception as exc:
            log.warning("plugin %s failed to register commands: %s", impl.plugin_name, exc)


def _add_core_commands() -> None:
    from . import config_cmd, decisions_cmd, llm_cmd, plugins_cmd, run_cmd

    cli.add_command(decisions_cmd.decisions_group)
    cli.add_command(llm_cmd.llm_group)
    cli.add_command(plugins_cmd.plugins_group)
    cli.add_command(config_cmd.config_group)
    cli.add_command(run_cmd.backtest)
    cli.add_command(run_cmd.run)
    from . import eval_cmd, risk_cmd

    cli.add_command(eval_cmd.eval_command)
    cli.add_command(risk_cmd.risk_group)
    cli.add_command(risk_cmd.halt)
    cli.add_command(risk_cmd.resume_trading)


#: Core command groups that never need plugin-contributed commands. ``deepalpha plugins list``
#: must stay fast and must work even when a plugin's ``register_commands`` is broken, so plugin
#: commands are not registered (nor their modules imported) when one of these is invoked.
CORE_ONLY = frozenset({"plugins", "config"})


def build_cli(with_plugin_commands: bool = True) -> click.Group:
    if "plugins" not in cli.commands:
        _add_core_commands()
    if with_plugin_commands and not getattr(cli, "_plugin_commands_added", False):
        cli._plugin_commands_added = True
        _register_plugin_commands(cli)
    return cli


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = sys.argv[1:] if argv is None else argv
    first = next((a for a in args if not a.startswith("-")), None)
    try:
        group = build_cli(with_plugin_commands=first not in CORE_ONLY)
    except UserError as exc:  # e.g. strict plugin loading failed
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    group.main(args=args, prog_name="deepalpha")


if __name__ == "__main__":
    main()
