"""``deepalpha backtest`` and ``deepalpha run``: the same pipeline on a simulated or real clock."""

from __future__ import annotations

import json
import logging
import sys

import click

from .main import config_options


def _setup_logging(level: str, console=None) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    if console is not None:
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=console, show_path=False)
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # Per-request transport logs drown the engine's own; keep them for DEBUG runs.
    for noisy in ("httpx", "httpcore", "openai", "instructor", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)


def _overrides(section: str, start: str | None, end: str | None, **more) -> dict:
    values = {"start": start, "end": end, **more}
    return {section: {k: v for k, v in values.items() if v is not None}}


def _print_result(result, as_json: bool) -> None:
    if as_json:
        payload = {
            "run_id": result.run_id,
            "mode": result.mode,
            "bars": result.bars,
            "seconds": round(result.seconds, 3),
            "summary": result.summary.to_dict(),
            "symbols": (
                result.breakdown.to_dict()["symbols"] if result.breakdown is not None else {}
            ),
            "stats": result.stats,
            "llm": result.llm,
            "lookahead_exposures": [e.describe() for e in result.exposures],
            "llm_budget_stop": result.budget_stop,
            "report": str(result.report) if result.report else None,
            "resumed": result.resumed,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    from rich.console import Console

    from ..results.metrics import summary_table

    console = Console()
    console.print(summary_table(result.summary))
    if result.breakdown is not None and len(result.breakdown.symbols) > 1:
        from ..results import symbol_table

        console.print(symbol_table(result.breakdown))
    stats = result.stats
    console.print(
        f"run {result.run_id[:8]}: {result.bars} bars in {result.seconds:.2f}s "
        f"({result.bars_per_second:,.0f} bars/s); decisions {stats.get('decisions', 0)}, "
        f"orders {stats.get('orders', 0)}, fills {stats.get('fills', 0)}, "
        f"LLM calls {stats.get('llm_calls', 0)} (replayed {stats.get('llm_replayed', 0)}, "
        f"failed {stats.get('llm_failures', 0)}), {stats.get('llm_input_tokens', 0):,} + "
        f"{stats.get('llm_output_tokens', 0):,} tokens, ${stats.get('llm_cost_usd', 0.0):.4f}"
    )
    for exposure in result.exposures:
        console.print(
            f"[yellow]look-ahead risk: the bars start before the training cutoff of "
            f"{exposure.describe()}; the model may remember this market[/]",
            highlight=False,
        )
    if result.budget_stop:
        console.print(f"[yellow]LLM budget reached: {result.budget_stop}; decisions held[/]")
    if result.resumed:
        found = result.resumed.get("found", {})
        rec = result.resumed.get("reconciled") or {}
        differences = rec.get("differences") or []
        console.print(
            f"[yellow]resumed run {result.run_id[:8]} after a crash: {found.get('orders', 0)} "
            f"orders, {found.get('fills', 0)} fills were stored; the venue was reconciled "
            f"({len(differences)} difference{'' if len(differences) == 1 else 's'})[/]",
            highlight=False,
        )
    if stats.get("rejections") or stats.get("cancellations"):
        console.print(
            f"not traded: {stats.get('risk_rejections', 0)} refused by risk rules, "
            f"{stats.get('venue_rejections', 0)} rejected by the venue, "
            f"{stats.get('unsized', 0)} not sized, {stats.get('cancellations', 0)} canceled",
            highlight=False,
        )
    if result.report:
        console.print(f"report: {result.report}")
    if result.interrupted:
        console.print("[yellow]interrupted: the summary covers the bars run so far[/]")


@click.command()
@config_options
@click.option("--start", default=None, help="First bar (ISO date, UTC); overrides backtest.start.")
@click.option("--end", default=None, help="End, exclusive (ISO date, UTC); overrides backtest.end.")
@click.option("--no-llm", is_flag=True, help="Decide by the agents' vote alone.")
@click.option("--no-report", is_flag=True, help="Do not write the HTML report.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def backtest(config_path, env, start, end, no_llm, no_report, as_json) -> None:
    """Run the pipeline over stored data on a simulated clock and print the metrics."""
    from ..config import load_config
    from ..engine.runner import run

    overrides = _overrides("backtest", start, end)
    if no_llm:
        overrides["decision"] = {"llm": {"providers": []}}
    config = load_config(config_path, env or "backtest", overrides)
    _setup_logging(config.app.log_level if config.app.log_level != "INFO" else "WARNING")
    view_factory = None
    if not as_json and sys.stderr.isatty():  # a person is watching: show where the run is
        from rich.console import Console

        from .view import BacktestProgress

        console = Console(stderr=True)

        def view_factory(cfg, series):
            return BacktestProgress(console, series)

    result = run(config, "backtest", report=not no_report, view_factory=view_factory)
    _print_result(result, as_json)


@click.command()
@config_options
@click.option(
    "--feed",
    type=click.Choice(["replay", "live"]),
    default=None,
    help="Replay stored bars as a live feed (default) or poll the data source live.",
)
@click.option("--start", default=None, help="Replay from (ISO date, UTC); overrides paper.start.")
@click.option("--end", default=None, help="Replay until, exclusive (ISO date, UTC).")
@click.option("--speed", type=float, default=None, help="Replay pace in bars/s (0: unthrottled).")
@click.option("--no-view", is_flag=True, help="No live terminal view.")
@click.option("--no-llm", is_flag=True, help="Decide by the agents' vote alone.")
@click.option(
    "--fresh",
    is_flag=True,
    help="Start a new run even if this book's last run was killed (default: resume it).",
)
@click.option(
    "--confirm-live",
    "confirm_live",
    default=None,
    metavar="GATEWAY",
    help="Confirm a real-money run on this gateway without the prompt (scripts).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def run(
    config_path, env, feed, start, end, speed, no_view, no_llm, fresh, confirm_live, as_json
) -> None:
    """Paper trading: the pipeline on a replayed or live feed with a simulated venue.

    A run that was killed (its status still ``running``) is resumed by the next run of the same
    book (``paper:<app.name>``): same run id, positions, open orders, cash and order ids; the
    bars it had processed are replayed against what it stored, the venue is reconciled with the
    database, and trading goes on from the first bar it had not processed. ``--fresh`` starts a
    new run instead. A finished run is never resumed.

    Real-money trading is never reached from here by accident: it needs a live gateway,
    ``live.enabled: true`` in the configuration, and a confirmation: typing the gateway's name
    at the prompt, or ``--confirm-live GATEWAY`` naming it. Such a run's book is
    ``live:<app.name>``.
    """
    from ..config import load_config
    from ..engine.runner import run as run_pipeline

    overrides = _overrides("paper", start, end, feed=feed, speed=speed)
    if no_view:
        overrides["paper"]["view"] = False
    if no_llm:
        overrides["decision"] = {"llm": {"providers": []}}
    config = load_config(config_path, env, overrides)
    view_factory = None
    console = None
    if config.paper.view and not as_json and sys.stdout.isatty():
        from rich.console import Console

        from .view import LiveView

        console = Console()

        def view_factory(cfg, series):
            return LiveView(console, cfg, series)

    _setup_logging(config.app.log_level, console)
    mode = "live" if _confirmed_live(config, confirm_live) else "paper"
    result = run_pipeline(config, mode, view_factory=view_factory, fresh=fresh)
    _print_result(result, as_json)


def _confirmed_live(config, confirm: str | None) -> bool:
    """Whether this run trades real money; if so, only once the user named the gateway.

    A gateway that is not live is a paper run whatever was passed. A live gateway without
    ``live.enabled`` is refused by the run's own checks (``prepare``), naming the key.
    """
    from ..errors import UserError
    from ..plugins import get_plugin_manager

    name = config.gateway.name
    try:
        spec = get_plugin_manager().resolve("gateway", name)
    except UserError:
        return False  # the run reports the unknown gateway with its own message
    if not getattr(spec, "live", False) or not config.live.enabled:
        if confirm is not None:
            raise UserError(
                f"--confirm-live {confirm}: gateway {name!r} does not trade real money here; "
                "drop the option"
            )
        return False
    if confirm is not None:
        if confirm != name:
            raise UserError(
                f"--confirm-live {confirm}: the configured gateway is {name!r}; name it to "
                "confirm a real-money run"
            )
        return True
    if not sys.stdin.isatty():
        raise UserError(
            f"gateway {name!r} trades real money and there is no terminal to confirm it; pass "
            f"--confirm-live {name}"
        )
    typed = click.prompt(
        f"This run sends real orders with real money through {name!r}. Type the gateway's "
        "name to go on",
        default="",
        show_default=False,
    )
    if typed.strip() != name:
        raise UserError("not confirmed: no real-money run was started")
    return True
