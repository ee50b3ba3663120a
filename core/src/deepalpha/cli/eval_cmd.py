"""``deepalpha eval``: the configuration against buy and hold, itself without the LLM and random
signals, over walk-forward windows, with a significance test of each difference."""

from __future__ import annotations

import sys
import time

import click

from .main import config_options


@click.command("eval")
@config_options
@click.option("--window", default="90d", show_default=True, help="Window length: 90d, 12w, 48h.")
@click.option("--step", default="30d", show_default=True, help="Step between window starts.")
@click.option("--start", default=None, help="Evaluate from (ISO date, UTC).")
@click.option("--end", default=None, help="Evaluate until, exclusive; overrides backtest.end.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Random baseline seeds.")
@click.option(
    "--samples", type=int, default=2000, show_default=True, help="Bootstrap resamples per test."
)
@click.option(
    "--block", type=float, default=None, help="Mean bootstrap block in bars (default n^(1/3))."
)
@click.option(
    "--band",
    type=float,
    default=0.5,
    show_default=True,
    help="Regime band in standard deviations of the window's random-walk spread.",
)
@click.option(
    "--exclude-exposed",
    is_flag=True,
    help="Skip windows that start before a consulted model's training cutoff "
    "(always done with decision.llm.cutoff_guard: refuse).",
)
@click.option("--no-llm", is_flag=True, help="Evaluate the agents alone (no LLM consulted).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for eval.json and eval.html (default: <app.report_dir>/eval-<time>).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def eval_command(
    config_path,
    env,
    window,
    step,
    start,
    end,
    seeds,
    samples,
    block,
    band,
    exclude_exposed,
    no_llm,
    out_dir,
    as_json,
) -> None:
    """Does this configuration add anything? Walk-forward windows with baselines and significance.

    Every run goes through the engine with the configured fees, slippage and next-bar fills; LLM
    spend is a cost; recorded LLM answers are replayed on a repeated evaluation.
    """
    import json
    from datetime import UTC, datetime
    from pathlib import Path

    from ..config import load_config
    from ..evaluation.harness import EvalOptions, evaluate
    from ..evaluation.report import missing_groups, terminal_tables, write_outputs
    from .run_cmd import _overrides, _setup_logging

    overrides = _overrides("backtest", start, end)
    if no_llm:
        overrides["decision"] = {"llm": {"providers": []}}
    config = load_config(config_path, env or "backtest", overrides)
    _setup_logging("ERROR" if config.app.log_level in ("INFO", "WARNING") else config.app.log_level)
    options = EvalOptions(
        window=window,
        step=step,
        seeds=seeds,
        samples=samples,
        block=block,
        band=band,
        exclude_exposed=exclude_exposed,
    )

    def progress(line: str) -> None:
        click.echo(line, err=True)

    started = time.perf_counter()
    result = evaluate(config, options, progress=None if as_json else progress)
    if out_dir is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out_dir = Path(config.app.report_dir) / f"eval-{stamp}"
    json_path, html_path = write_outputs(result, out_dir)
    seconds = time.perf_counter() - started
    if as_json:
        payload = result.to_dict()
        payload["files"] = {"json": str(json_path), "html": str(html_path)}
        click.echo(json.dumps(payload, indent=2, allow_nan=False))
        return
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 160)
    for note in result.notes:
        console.print(f"note: {note}")
    for line in missing_groups(result):
        console.print(line)
    for table in terminal_tables(result):
        console.print(table)
    calls = sum(w.llm["calls"] for w in result.windows)
    replayed = sum(w.llm["replayed"] for w in result.windows)
    spend = sum(w.llm["cost_usd"] for w in result.windows)
    console.print(
        f"{len(result.windows)} windows evaluated, {len(result.skipped)} skipped, in "
        f"{seconds:.1f}s; LLM calls {calls} (replayed {replayed}), spend ${spend:.4f}"
    )
    console.print(f"json: {json_path}")
    console.print(f"report: {html_path}")
