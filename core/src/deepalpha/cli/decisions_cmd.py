"""``deepalpha decisions``: the decisions runs stored, and how each came about.

Reads the database of the configuration's ``storage.url`` (or ``--db``). ``list`` shows the newest
decisions with their one-line rationale; ``show ID`` prints one decision's explanation step by
step: the signals with the weight each got and the vote each cast, the veto, what each LLM said and
how it counted, the combined score and the cache. ``--json`` prints the stored record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import UserError
from .main import config_options


def _db_option(func):
    return click.option(
        "--db",
        "db_url",
        default=None,
        help="Database URL (default: the configuration's storage.url).",
    )(func)


def _open(db_url: str | None, config_path: str | None, env: str | None):
    """The store of ``--db`` or of the configuration, refusing to create an empty SQLite file."""
    from ..storage import Store, connect

    if db_url is None:
        from ..config import load_config

        db_url = load_config(config_path, env).storage.url
    parsed = connect.parse(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database).expanduser()
        if not path.exists():
            raise UserError(
                f"no database at {path} (storage.url {connect.mask(parsed)}): run a backtest or "
                "paper run first, or pass --db"
            )
    return Store.open(db_url)


def _when(ts: int) -> str:
    from ..domain import ms_to_datetime

    return ms_to_datetime(ts).strftime("%Y-%m-%d %H:%M")


def _record(stored: Any) -> dict[str, Any]:
    d = stored.decision
    return {
        "id": stored.id,
        "run_id": stored.run_id,
        "symbol": d.symbol,
        "ts": d.ts,
        "time": _when(d.ts),
        "action": d.action.value,
        "confidence": d.confidence,
        "source": d.source,
        "rationale": d.rationale,
        "explanation": d.explanation,
    }


def _resolve_run(store: Any, run: str | None) -> str | None:
    """A full run id from an id or a unique prefix (runs print the first 8 characters)."""
    if run is None:
        return None
    matches = store.run_ids(run)
    if not matches:
        raise UserError(f"--run {run}: no run with that id or id prefix")
    if len(matches) > 1:
        raise UserError(
            f"--run {run}: {len(matches)} runs start with it ({', '.join(matches[:3])}...); "
            "give more characters"
        )
    return matches[0]


@click.group("decisions")
def decisions_group() -> None:
    """Decisions stored by runs: list them, and show how one came about."""


@decisions_group.command("list")
@config_options
@_db_option
@click.option("--run", "run", default=None, help="Only this run (its id or a unique prefix).")
@click.option("--symbol", default=None, help="Only this symbol, e.g. BTC/USD.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON records instead of a table.")
def list_decisions(
    config_path: str | None,
    env: str | None,
    db_url: str | None,
    run: str | None,
    symbol: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The newest decisions, newest first."""
    with _open(db_url, config_path, env) as store:
        rows = store.decision_rows(run_id=_resolve_run(store, run), symbol=symbol, limit=limit)
    if as_json:
        click.echo(json.dumps([_record(r) for r in rows], indent=2))
        return
    if not rows:
        click.echo("no decisions")
        return
    header = ("id", "run", "time (UTC)", "symbol", "action", "conf", "source", "rationale")
    table = [
        (
            str(r.id),
            r.run_id[:8],
            _when(r.decision.ts),
            r.decision.symbol,
            r.decision.action.value,
            f"{r.decision.confidence:.2f}",
            r.decision.source,
            r.decision.rationale,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in (header, *table)) for i in range(len(header) - 1)]
    for row in (header, *table):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


@decisions_group.command("show")
@click.argument("decision_id", type=int)
@config_options
@_db_option
@click.option("--json", "as_json", is_flag=True, help="The stored record as JSON.")
def show_decision(
    decision_id: int, config_path: str | None, env: str | None, db_url: str | None, as_json: bool
) -> None:
    """One decision (by the id ``list`` prints) and its explanation, step by step."""
    with _open(db_url, config_path, env) as store:
        stored = store.decision_row(decision_id)
    if stored is None:
        raise UserError(
            f"no decision with id {decision_id} (ids come from 'deepalpha decisions list')"
        )
    if as_json:
        click.echo(json.dumps(_record(stored), indent=2))
        return
    for line in _describe(stored):
        click.echo(line)


def _describe(stored: Any) -> list[str]:
    d = stored.decision
    lines = [
        f"decision {stored.id} of run {stored.run_id}",
        f"{d.symbol} at {_when(d.ts)} UTC: {d.action.value} (confidence {d.confidence:.2f}, "
        f"source {d.source})",
        f"rationale: {d.rationale}",
    ]
    expl = d.explanation
    if not expl:
        lines.append("(no explanation stored: decided by an older version)")
        return lines
    lines.append("")
    lines.append("steps:")
    lines.extend(f"  {i}. {step}" for i, step in enumerate(expl.get("steps", []), 1))
    signals = expl.get("signals") or []
    if signals:
        lines.append("")
        lines.append("signals:")
        header = ("agent", "direction", "strength", "conf", "weight", "accuracy", "vote", "veto")
        rows = [
            (
                s["agent"],
                s["direction"],
                f"{s['strength']:.2f}",
                f"{s['confidence']:.2f}",
                f"{s['weight']:.2f} ({s['base_weight']:.2f} x {s['multiplier']:.2f})",
                f"{s['accuracy']:.2f} / {s['observations']}",
                f"{s['vote']:+.3f}",
                "yes" if s["veto"] else "",
            )
            for s in signals
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
            lines.append(("  " + "  ".join(cells)).rstrip())
    llm = expl.get("llm") or {}
    for answer in llm.get("answers") or []:
        lines.append("")
        lines.append(
            f"LLM {answer['provider']} ({answer['model'] or 'model unnamed'}, "
            f"{'replayed' if answer['replayed'] else 'asked'}): {answer['action']} "
            f"{answer['confidence']:.2f}, counted {answer['counted']:+.3f} as {llm['role']} "
            f"at weight {llm['weight']:.2f}"
        )
        if answer.get("rationale"):
            lines.append(f"  it said: {answer['rationale']}")
    return lines
