"""``deepalpha freqtrade init`` and ``deepalpha freqtrade backtest``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from deepalpha.errors import UserError


def register(cli: click.Group) -> None:
    @cli.group("freqtrade")
    def freqtrade() -> None:
        """Use DeepAlpha's agents and decisions from a freqtrade strategy."""

    @freqtrade.command("init")
    @click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
    @click.option(
        "--candles",
        type=click.IntRange(min=50),
        default=None,
        help="Keep only the first N bundled candles (default: all 20,111).",
    )
    @click.option("--force", is_flag=True, help="Overwrite an existing config.json.")
    def init(dest: Path, candles: int | None, force: bool) -> None:
        """Write a freqtrade user_data folder DEST: a DeepAlphaStrategy, config.json,
        deepalpha.yaml, and the bundled BTC/USD 1h candles plus a synthetic SYN/USD pair in
        freqtrade's data format. Needs no network."""
        _need_freqtrade()
        from .userdata import write_user_data

        try:
            written = write_user_data(dest, candles=candles, force=force)
        except FileExistsError as exc:
            raise UserError(str(exc)) from None
        click.echo(f"wrote {written['user_data']}")
        for key in ("config", "deepalpha", "strategy"):
            click.echo(f"  {key}: {written[key]}")
        for pair, path in written["data"].items():
            click.echo(f"  {pair}: {path} ({written['candles']} candles)")
        click.echo(f"backtest offline: deepalpha freqtrade backtest {written['user_data']}")

    @freqtrade.command(
        "backtest", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
    )
    @click.argument("dest", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--strategy", "-s", default="DeepAlpha", show_default=True)
    @click.argument("freqtrade_args", nargs=-1, type=click.UNPROCESSED)
    def backtest(dest: Path, strategy: str, freqtrade_args: tuple[str, ...]) -> None:
        """Run `freqtrade backtesting` on DEST without network: the exchange's markets come from
        a loopback server on 127.0.0.1 (synthetic metadata for the configured pairs). Further
        arguments go to freqtrade (e.g. --timerange 20180101-20180301)."""
        _need_freqtrade()
        code, _ = run_backtest(dest, strategy, freqtrade_args)
        if code:
            raise SystemExit(code)


def run_backtest(
    dest: Path, strategy: str = "DeepAlpha", extra: tuple[str, ...] | list[str] = (), **popen
) -> tuple[int, list[str]]:
    """``freqtrade backtesting`` on the folder ``dest`` in a child process, with its exchange's
    markets served from 127.0.0.1. Returns freqtrade's exit code and the paths freqtrade asked
    the loopback server for. ``popen``: more arguments of ``subprocess.run``."""
    from .markets import MarketServer

    dest = Path(dest).resolve()
    config = dest / "config.json"
    if not config.is_file():
        raise UserError(f"{config}: no freqtrade configuration (run deepalpha freqtrade init)")
    pairs = json.loads(config.read_text())["exchange"]["pair_whitelist"]
    with MarketServer(pairs) as server, tempfile.TemporaryDirectory() as tmp:
        overlay = Path(tmp) / "offline-markets.json"
        overlay.write_text(json.dumps(server.freqtrade_config()))
        command = [
            sys.executable,
            "-m",
            "freqtrade",
            "backtesting",
            "--config",
            str(config),
            "--config",
            str(overlay),
            "--userdir",
            str(dest),
            "--strategy",
            strategy,
            *extra,
        ]
        code = subprocess.run(command, check=False, **popen).returncode
    return code, list(server.requests)


def _need_freqtrade() -> None:
    try:
        import freqtrade  # noqa: F401
    except ImportError:
        raise UserError(
            "freqtrade is not installed; install it with: "
            "pip install 'deepalpha-gateway-freqtrade[freqtrade]'"
        ) from None
