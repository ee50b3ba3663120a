"""``deepalpha llm``: recorded LLM answers, what the models cost, and what is known of them.

Reads the database of the configuration's ``storage.url`` (or ``--db``), like ``deepalpha
decisions``. ``list`` shows the newest recorded answers, ``export`` writes them in full as JSON
Lines, ``prune`` deletes some (saying how many first), ``usage`` sums the spend ledger per day,
provider and model, and ``models`` shows each configured provider's model with its price and
training cutoff. Records never hold API keys; database URLs are printed with the password masked.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from ..errors import UserError
from .decisions_cmd import _db_option, _open, _resolve_run
from .main import config_options

_AGE = re.compile(r"^\s*(\d+)\s*([dh])\s*$")


def _iso(ms: int | None) -> str | None:
    from ..domain import ms_to_datetime

    return None if ms is None else ms_to_datetime(ms).isoformat()


def _when(ms: int) -> str:
    from ..domain import ms_to_datetime

    return ms_to_datetime(ms).strftime("%Y-%m-%d %H:%M")


def _date_ms(option: str, text: str) -> int:
    """Epoch ms of an ISO date or date-time (UTC unless it names its offset)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"{option} {text!r}: not a date; use an ISO date such as 2025-01-31 "
            "or 2025-01-31T12:00 (UTC)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _age_ms(option: str, text: str) -> int:
    """Epoch ms of now minus an age such as ``30d`` or ``12h``."""
    match = _AGE.match(text)
    if match is None:
        raise UserError(f"{option} {text!r}: not an age; use days or hours such as 30d or 12h")
    amount, unit = int(match.group(1)), match.group(2)
    delta = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
    return int((datetime.now(UTC) - delta).timestamp() * 1000)


def _before(before: str | None, older_than: str | None) -> int | None:
    if before is not None and older_than is not None:
        raise UserError("give --before or --older-than, not both")
    if before is not None:
        return _date_ms("--before", before)
    if older_than is not None:
        return _age_ms("--older-than", older_than)
    return None


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """A plain aligned table (as ``decisions list``): numbers right-aligned."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _tokens(record: dict[str, Any]) -> str:
    tin, tout = record.get("input_tokens"), record.get("output_tokens")
    return "-" if tin is None and tout is None else f"{tin or 0}/{tout or 0}"


def _cost(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"${value:.{digits}f}"


def _answer(response: Any) -> str:
    if not isinstance(response, dict):
        return "?"
    action = str(response.get("action", "?"))
    confidence = response.get("confidence")
    if isinstance(confidence, int | float):
        return f"{action} {confidence:.2f}"
    return action


def _export_record(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": record["key"],
        "provider": record["provider"],
        "model": record["model"],
        "created_at": _iso(record["created_at"]),
        "params": record["params"],
        "system": record["system"],
        "prompt": record["prompt"],
        "response": record["response"],
        "raw": record["raw"],
        "input_tokens": record["input_tokens"],
        "output_tokens": record["output_tokens"],
        "cost_usd": record["cost_usd"],
        "attempts": record["attempts"],
        "latency_ms": record["latency_ms"],
    }


@click.group("llm")
def llm_group() -> None:
    """Recorded LLM answers (list, export, prune), spend per day, and the models' facts."""


@llm_group.command("list")
@config_options
@_db_option
@click.option("--provider", default=None, help="Only this provider (its configured name).")
@click.option("--model", default=None, help="Only this model.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON records instead of a table.")
def list_records(
    config_path: str | None,
    env: str | None,
    db_url: str | None,
    provider: str | None,
    model: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The newest recorded answers, newest first."""
    with _open(db_url, config_path, env) as store:
        records = store.llm_records(provider=provider, model=model, limit=limit)
    if as_json:
        for record in records:
            record["created_at"] = _iso(record["created_at"])
        click.echo(json.dumps(records, indent=2))
        return
    if not records:
        click.echo("no recorded LLM answers")
        return
    header = ("created (UTC)", "provider", "model", "answer", "tokens in/out", "cost", "key")
    rows = [
        (
            _when(r["created_at"]),
            r["provider"],
            r["model"],
            _answer(r["response"]),
            _tokens(r),
            _cost(r["cost_usd"], 6),
            r["key"][:12],
        )
        for r in records
    ]
    for line in _table(header, rows, right={4, 5}):
        click.echo(line)


@llm_group.command("export")
@config_options
@_db_option
@click.option("--provider", default=None, help="Only this provider (its configured name).")
@click.option("--model", default=None, help="Only this model.")
@click.option("--before", default=None, help="Only answers recorded before this date (UTC).")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="JSON Lines file to write, '-' for stdout.",
)
def export_records(
    config_path: str | None,
    env: str | None,
    db_url: str | None,
    provider: str | None,
    model: str | None,
    before: str | None,
    out: str,
) -> None:
    """Every matching record in full (system, prompt, params, response, raw output, tokens,
    cost), one JSON object per line, oldest first."""
    before_ms = _before(before, None)
    with _open(db_url, config_path, env) as store:
        records = store.llm_records(provider=provider, model=model, before_ms=before_ms, full=True)
    records.reverse()
    lines = [json.dumps(_export_record(r), ensure_ascii=False) + "\n" for r in records]
    if out == "-":
        sys.stdout.write("".join(lines))
        sys.stdout.flush()
        click.echo(f"exported {len(lines)} recorded answers", err=True)
        return
    try:
        with open(out, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    click.echo(f"exported {len(lines)} recorded answers to {out}")


@llm_group.command("prune")
@config_options
@_db_option
@click.option("--provider", default=None, help="Only this provider (its configured name).")
@click.option("--model", default=None, help="Only this model.")
@click.option("--before", default=None, help="Only answers recorded before this date (UTC).")
@click.option(
    "--older-than", "older_than", default=None, help="Only answers older than 30d, 12h..."
)
@click.option("--all", "everything", is_flag=True, help="Delete every recorded answer.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def prune_records(
    config_path: str | None,
    env: str | None,
    db_url: str | None,
    provider: str | None,
    model: str | None,
    before: str | None,
    older_than: str | None,
    everything: bool,
    yes: bool,
) -> None:
    """Delete recorded answers (they are then asked again; the spend ledger is kept)."""
    before_ms = _before(before, older_than)
    filtered = provider is not None or model is not None or before_ms is not None
    if everything and filtered:
        raise UserError("--all deletes every recorded answer: give it alone, or give filters only")
    if not everything and not filtered:
        raise UserError(
            "llm prune needs a filter (--provider, --model, --before or --older-than), "
            "or --all to delete every recorded answer"
        )
    with _open(db_url, config_path, env) as store:
        args = {"provider": provider, "model": model, "before_ms": before_ms}
        count = store.llm_prune(**args, everything=everything, dry_run=True)
        if count == 0:
            click.echo("no recorded answers match")
            return
        click.echo(f"{count} recorded answers match in {store.url}")
        if not yes:
            click.confirm("delete them?", abort=True)
        deleted = store.llm_prune(**args, everything=everything)
    click.echo(f"deleted {deleted} recorded answers")


@llm_group.command("usage")
@config_options
@_db_option
@click.option("--run", "run", default=None, help="Only this run (its id or a unique prefix).")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Only the last N UTC days, today included (default: everything).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON rows instead of a table.")
def usage(
    config_path: str | None,
    env: str | None,
    db_url: str | None,
    run: str | None,
    days: int | None,
    as_json: bool,
) -> None:
    """Model calls and their spend per UTC day, provider and model, with totals.

    Counts every real call the engine made (failed ones and retries included); replayed answers
    cost nothing and are not calls."""
    since_ms = None
    if days is not None:
        today = datetime.now(UTC).date()
        first = datetime.combine(today - timedelta(days=days - 1), datetime.min.time())
        since_ms = int(first.replace(tzinfo=UTC).timestamp() * 1000)
    with _open(db_url, config_path, env) as store:
        rows = store.llm_usage(run_id=_resolve_run(store, run), since_ms=since_ms)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no model calls recorded")
        return
    header = (
        "day (UTC)",
        "provider",
        "model",
        "calls",
        "failed",
        "attempts",
        "tokens in",
        "tokens out",
        "cost",
    )
    numbers = ("calls", "failures", "attempts", "input_tokens", "output_tokens")
    totals = {name: sum(r[name] for r in rows) for name in numbers}
    total_cost = sum(r["cost_usd"] for r in rows)
    table = [
        (
            r["day"],
            r["provider"],
            r["model"] or "-",
            *(str(r[name]) for name in numbers),
            _cost(r["cost_usd"]),
        )
        for r in rows
    ]
    table.append(("total", "", "", *(str(totals[name]) for name in numbers), _cost(total_cost)))
    for line in _table(header, table, right=set(range(3, 9))):
        click.echo(line)


@llm_group.command("models")
@config_options
def models(config_path: str | None, env: str | None) -> None:
    """Each configured provider's model, price per million tokens and training cutoff."""
    from ..config import load_config
    from ..engine.cutoff import configured_model, provider_facts
    from ..llm_models import PRICES_AS_OF

    config = load_config(config_path, env)
    consulted = set(config.decision.llm.providers)
    rows = []
    for name in sorted(config.llm_providers):
        model = configured_model(config, name)
        facts = provider_facts(config, name, model)
        rows.append(
            (
                name + (" *" if name in consulted else ""),
                config.llm_providers[name].provider,
                model or "-",
                _cost(facts.input_per_mtok, 2),
                _cost(facts.output_per_mtok, 2),
                facts.cutoff.isoformat() if facts.cutoff else "unknown",
                facts.note,
            )
        )
    if not rows:
        click.echo("no LLM providers configured (llm_providers is empty)")
        return
    header = ("name", "provider", "model", "in/Mtok", "out/Mtok", "cutoff", "source")
    for line in _table(header, rows, right={3, 4}):
        click.echo(line)
    click.echo("")
    click.echo("* consulted at decision points (decision.llm.providers)")
    click.echo(
        f"default prices as of {PRICES_AS_OF}; override with llm_providers.<name>.price "
        "{input, output} and .cutoff"
    )
