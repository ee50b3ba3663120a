"""A self-contained HTML report of a run: the portfolio, each symbol, the trades, the configuration.

One file, no network: plotly.js is embedded inline (about 4.6 MB), so the report opens from an
e-mail attachment or an air-gapped machine exactly as it did on the machine that wrote it.

What it shows, top to bottom: the portfolio's headline metrics; its equity against buy and hold,
its drawdown and each symbol's P&L curve; a table of per-symbol metrics; one section per symbol
with its price chart, entries and exits, and the agents' weights when given; the trade list; the
run's configuration with secrets masked.

The figures' data is stored as JSON in one ``<script type="application/json">`` element and drawn
by a short script, so tools (and our tests) can read back exactly what is plotted. Time is plotted
as epoch milliseconds on date axes (half the size of ISO strings). Series longer than
``MAX_POINTS`` (portfolio curves) or ``SYMBOL_MAX_POINTS`` (each symbol's price and P&L) are
decimated with a min/max-per-bucket rule that keeps every bucket's extremes, so peaks, troughs and
the deepest drawdown stay visible while ten symbols of 20,000 bars stay a few megabytes.
"""

from __future__ import annotations

import html
import json
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ..data import TIMEFRAMES
from ..domain import ms_to_datetime
from .breakdown import Breakdown
from .format import SYMBOL_COLUMNS, TRADE_COLUMNS, summary_rows, symbol_row, trade_row
from .metrics import drawdown
from .trades import Trade

#: Above this many points a portfolio series is decimated (see ``extrema_indices``).
MAX_POINTS = 5_000
#: The same for each symbol's price and P&L series: there are many of them, each in a smaller chart.
SYMBOL_MAX_POINTS = 2_000
#: The trade list shows at most this many rows (the first, in exit order) and says how many more.
MAX_TRADE_ROWS = 5_000

FIGURE_ID = "deepalpha-figure"
FIGURE_DATA_ID = "deepalpha-figure-data"
SUMMARY_DATA_ID = "deepalpha-summary"

#: Keys whose values the report never shows, whatever the caller masked (a second line of defence).
SECRET_WORDS = ("key", "secret", "token", "password", "passphrase")
MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?P<tail>@)")


def extrema_indices(values: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Sorted indices of at most ``max_points`` points that keep the shape of ``values``.

    The series is cut into equal buckets and the minimum and maximum of each is kept, plus the
    first and last points; so the global extremes always survive. Short series come back whole.
    """
    n = len(values)
    if max_points < 4:
        raise ValueError(f"max_points: must be >= 4, got {max_points}")
    if n <= max_points:
        return np.arange(n)
    buckets = (max_points - 2) // 2
    size = -(-n // buckets)
    padded = np.empty(size * buckets, dtype=np.float64)
    padded[:n] = values
    padded[n:] = values[-1]  # padding repeats the last value; its index is clipped to n - 1
    grid = padded.reshape(-1, size)
    offsets = np.arange(grid.shape[0]) * size
    lows = np.minimum(grid.argmin(axis=1) + offsets, n - 1)
    highs = np.minimum(grid.argmax(axis=1) + offsets, n - 1)
    return np.unique(np.concatenate(([0, n - 1], lows, highs)))


def _decimated(
    ts: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """(epoch ms as float64, values) of the kept points; float ms are exact up to 2**53."""
    keep = extrema_indices(values, max_points)
    return ts[keep].astype(np.float64), np.asarray(values[keep], dtype=np.float64)


# -- masking --------------------------------------------------------------------------------------


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def mask_config(data: Any, key: str = "") -> Any:
    """A plain (YAML-safe) copy of ``data`` with secrets replaced by ``***``.

    Any non-empty value under a key containing key/secret/token/password/passphrase is masked
    whole (a nested section included), and ``user:password@`` in URLs loses the password. Decimals,
    paths and other objects become strings; tuples become lists.
    """
    if key and _is_secret(key) and data not in (None, ""):
        return MASK
    if isinstance(data, Mapping):
        return {str(k): mask_config(v, str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple | set | frozenset):
        return [mask_config(v) for v in data]
    if isinstance(data, str):
        return _URL_PASSWORD.sub(rf"\g<head>{MASK}\g<tail>", data)
    if data is None or isinstance(data, bool | int | float):
        return data
    if isinstance(data, Decimal):
        return str(data)
    return _URL_PASSWORD.sub(rf"\g<head>{MASK}\g<tail>", str(data))


def config_text(config: Mapping[str, Any] | None) -> str:
    """The configuration as YAML, masked (see ``mask_config``)."""
    import yaml

    if config is None:
        return "(not recorded)"
    return yaml.safe_dump(
        mask_config(config), sort_keys=False, allow_unicode=True, default_flow_style=False
    ).rstrip()


# -- figures --------------------------------------------------------------------------------------

_LONG, _SHORT, _WIN, _LOSS = "#1a9850", "#d73027", "#1a9850", "#d73027"


def _trade_markers(trades: Sequence[Trade]) -> list[dict[str, Any]]:
    """Entry and exit markers (one per fill, even when a fill was split over several lots)."""
    entries: dict[tuple[int, Decimal], bool] = {}
    exits: dict[tuple[int, Decimal], list[Trade]] = {}
    for t in trades:
        entries.setdefault((t.entry_ts, t.entry_price), t.is_long)
        exits.setdefault((t.exit_ts, t.exit_price), []).append(t)
    traces: list[dict[str, Any]] = []
    for long, name, color, marker in (
        (True, "Long entry", _LONG, "triangle-up"),
        (False, "Short entry", _SHORT, "triangle-down"),
    ):
        keys = [k for k, is_long in entries.items() if is_long is long]
        if keys:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name,
                    "x": np.array([k[0] for k in keys], dtype=np.float64),
                    "y": np.array([float(k[1]) for k in keys], dtype=np.float64),
                    "marker": {"symbol": marker, "size": 9, "color": color},
                }
            )
    if exits:
        keys = list(exits)
        pnl = [float(sum(t.pnl for t in exits[k])) for k in keys]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Exit",
                "x": np.array([k[0] for k in keys], dtype=np.float64),
                "y": np.array([float(k[1]) for k in keys], dtype=np.float64),
                "text": [f"P&L {p:,.2f}" for p in pnl],
                "marker": {
                    "symbol": "x",
                    "size": 8,
                    "color": [_WIN if p > 0 else _LOSS for p in pnl],
                },
            }
        )
    return traces


_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "legend": {"orientation": "h", "y": 1.06},
    "hovermode": "x unified",
}


def portfolio_figure(bd: Breakdown) -> Any:
    """Equity against buy and hold, drawdown, and each symbol's P&L curve, on shared time."""
    from plotly.subplots import make_subplots

    hold_name = "Buy & hold" if len(bd.symbols) == 1 else "Buy & hold (equal weight)"
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[0.45, 0.2, 0.35],
        subplot_titles=("Portfolio equity", "Drawdown", "P&L by symbol"),
    )
    ts, eq = bd.ts, bd.equity
    x, y = _decimated(ts, eq)
    fig.add_scatter(x=x, y=y, name="Strategy", line={"color": "#1f77b4"}, row=1, col=1)
    if bd.buy_hold is not None:
        x, y = _decimated(ts, bd.buy_hold)
        fig.add_scatter(
            x=x, y=y, name=hold_name, line={"color": "#7f7f7f", "dash": "dot"}, row=1, col=1
        )
    x, y = _decimated(ts, -drawdown(eq) * 100.0)
    fig.add_scatter(
        x=x, y=y, name="Drawdown %", fill="tozeroy", line={"color": "#d62728"}, row=2, col=1
    )
    for symbol, curve in bd.pnl.items():
        x, y = _decimated(ts, curve, SYMBOL_MAX_POINTS)
        fig.add_scatter(x=x, y=y, name=f"P&L {symbol}", row=3, col=1)
    fig.update_xaxes(type="date")
    fig.update_yaxes(title_text="Equity", row=1, col=1)
    fig.update_yaxes(title_text="%", row=2, col=1)
    fig.update_yaxes(title_text="P&L", row=3, col=1)
    fig.update_layout(height=900, **_LAYOUT)
    return fig


def symbol_figure(bd: Breakdown, symbol: str) -> Any:
    """``symbol``'s close over the run with its trades' entries and exits."""
    import plotly.graph_objects as go

    sym_ts, close = bd.closes[symbol]
    fig = go.Figure()
    if len(sym_ts):
        x, y = _decimated(sym_ts, close, SYMBOL_MAX_POINTS)
        fig.add_scatter(x=x, y=y, name="Close", line={"color": "#444444"})
    for trace in _trade_markers(bd.trades_of(symbol)):
        fig.add_trace(trace)
    fig.update_xaxes(type="date")
    fig.update_yaxes(title_text="Price")
    fig.update_layout(height=380, **_LAYOUT)
    return fig


def _script_json(text: str) -> str:
    """JSON safe inside ``<script>``: ``<`` occurs only in strings, where ``\\u003c`` is equal."""
    return text.replace("<", "\\u003c")


# -- the page -------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 18px; margin: 28px 0 8px 0; }
p.meta { color: #666; margin: 0 0 16px 0; }
p.warning { background: #fff4e5; border-left: 4px solid #e67e22; padding: 8px 12px; }
table { border-collapse: collapse; margin-bottom: 16px; }
td, th { padding: 3px 12px; border-bottom: 1px solid #eee; }
th { text-align: left; font-weight: 600; border-bottom: 1px solid #bbb; }
td.value, td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.trades { font-size: 13px; }
pre.config { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 13px; }
"""

_NUMERIC_SYMBOL_COLUMNS = frozenset(range(1, len(SYMBOL_COLUMNS)))
_NUMERIC_TRADE_COLUMNS = frozenset({3, 5, 6, 7, 8, 9, 10})


def _table(
    css: str, columns: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[int]
) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(v)}</td>'
            if i in numeric
            else f"<td>{html.escape(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="{css}">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def _symbol_div(index: int) -> str:
    return f"{FIGURE_ID}-symbol-{index}"


def _cell(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _weights_table(agents: Mapping[str, Mapping[str, Any]] | None) -> str:
    """``{agent: {column: value}}`` as a table (columns in the first agent's order), or nothing."""
    if not agents:
        return ""
    columns = list(next(iter(agents.values())))
    rows = [
        (agent, *(_cell(values.get(c, "")) for c in columns)) for agent, values in agents.items()
    ]
    headers = ["Agent", *(c.replace("_", " ").capitalize() for c in columns)]
    numeric = frozenset(range(1, len(headers)))
    return "<h3>Agent weights</h3>\n" + _table("weights", headers, rows, numeric) + "\n"


def _llm_warnings(llm: Mapping[str, Any] | None) -> str:
    """Look-ahead and budget warnings, shown above everything else."""
    if not llm:
        return ""
    out = []
    exposures = llm.get("exposures") or []
    if exposures:
        out.append(
            '<p class="warning" id="lookahead">Look-ahead risk: the bars start before the '
            "training cutoff of "
            + html.escape("; ".join(exposures))
            + ". The model may remember how this market moved; treat its contribution to these "
            "results as unproven.</p>"
        )
    if llm.get("budget_stop"):
        out.append(
            '<p class="warning" id="budget">LLM budget reached: '
            + html.escape(str(llm["budget_stop"]))
            + "; later decisions that needed a model held.</p>"
        )
    return "\n".join(out)


def _llm_section(llm: Mapping[str, Any] | None) -> str:
    """Per provider: model, weight, price, cutoff, calls, replayed, failures, tokens, dollars."""
    providers = (llm or {}).get("providers") or {}
    if not providers:
        return ""
    columns = (
        "provider",
        "model",
        "weight",
        "cutoff",
        "calls",
        "replayed",
        "failed",
        "skipped",
        "attempts",
        "input tokens",
        "output tokens",
        "cost $",
    )
    rows = []
    for name, p in providers.items():
        rows.append(
            (
                name,
                p.get("model") or "",
                f"{p.get('weight', 1.0):g}",
                p.get("cutoff") or "unknown",
                f"{p.get('calls', 0):,}",
                f"{p.get('replayed', 0):,}",
                f"{p.get('failures', 0):,}",
                f"{p.get('skipped', 0):,}",
                f"{p.get('attempts', 0):,}",
                f"{p.get('input_tokens', 0):,}",
                f"{p.get('output_tokens', 0):,}",
                f"{p.get('cost_usd', 0.0):.4f}",
            )
        )
    table = _table("llm", columns, rows, frozenset({2, *range(4, len(columns))}))
    total = sum(p.get("cost_usd", 0.0) for p in providers.values())
    return (
        f'<h2>LLM</h2>\n<p class="meta">Model spend ${total:.4f}; replayed answers cost '
        "nothing.</p>\n" + table
    )


def render_html(
    bd: Breakdown,
    *,
    title: str,
    config: Mapping[str, Any] | None = None,
    weights: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    llm: Mapping[str, Any] | None = None,
) -> str:
    """The report as one HTML string (see ``write_report``)."""
    from plotly.offline import get_plotlyjs

    summary = bd.portfolio
    symbols = list(bd.symbols)
    summary_table = "\n".join(
        f'<tr><td>{html.escape(label)}</td><td class="value">{html.escape(value)}</td></tr>'
        for label, value in summary_rows(summary)
    )
    start = ms_to_datetime(summary.start_ts).strftime("%Y-%m-%d %H:%M")
    end = ms_to_datetime(summary.end_ts).strftime("%Y-%m-%d %H:%M")
    timeframe = next(
        (name for name, ms in TIMEFRAMES.items() if ms == summary.timeframe_ms),
        f"{summary.timeframe_ms} ms",
    )
    meta = (
        f"{', '.join(symbols)} · {timeframe} · {start} to {end} UTC · {summary.bars:,} bars · "
        f"initial cash {bd.initial_cash:,.2f}"
    )
    symbol_table = _table(
        "symbols",
        SYMBOL_COLUMNS,
        [symbol_row(s) for s in bd.symbols.values()],
        _NUMERIC_SYMBOL_COLUMNS,
    )
    sections = []
    for i, symbol in enumerate(symbols):
        s = bd.symbols[symbol]
        line = (
            f"{s.trades} trades, P&L {s.pnl:,.2f} (closed {float(s.net_pnl):,.2f}), "
            f"fees {float(s.fees_paid):,.2f}"
        )
        agents = _weights_table((weights or {}).get(symbol))
        sections.append(
            f'<section class="symbol" data-symbol="{html.escape(symbol)}">\n'
            f'<h2>{html.escape(symbol)}</h2>\n<p class="meta">{html.escape(line)}</p>\n'
            f'<div id="{_symbol_div(i)}"></div>\n{agents}</section>'
        )
    shown = list(bd.trades[:MAX_TRADE_ROWS])
    trade_table = _table(
        "trades", TRADE_COLUMNS, [trade_row(t) for t in shown], _NUMERIC_TRADE_COLUMNS
    )
    more = len(bd.trades) - len(shown)
    trades_note = (
        f'<p class="meta">{len(bd.trades):,} closed trades in exit order'
        + (f"; the first {len(shown):,} are listed, {more:,} more are not" if more else "")
        + ".</p>"
    )
    figures = (
        '{"portfolio":'
        + portfolio_figure(bd).to_json()
        + ',"symbols":['
        + ",".join(
            json.dumps({"symbol": symbol, "div": _symbol_div(i)})[:-1]
            + ',"figure":'
            + symbol_figure(bd, symbol).to_json()
            + "}"
            for i, symbol in enumerate(symbols)
        )
        + "]}"
    )
    summary_json = json.dumps(bd.to_dict(), allow_nan=False)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">{html.escape(meta)}</p>
{_llm_warnings(llm)}
<h2>Portfolio</h2>
<table class="summary">
{summary_table}
</table>
<div id="{FIGURE_ID}"></div>
<h2>By symbol</h2>
{symbol_table}
{chr(10).join(sections)}
{_llm_section(llm)}
<h2>Trades</h2>
{trades_note}
{trade_table}
<h2>Configuration</h2>
<pre class="config">{html.escape(config_text(config))}</pre>
<script type="application/json" id="{FIGURE_DATA_ID}">{_script_json(figures)}</script>
<script type="application/json" id="{SUMMARY_DATA_ID}">{_script_json(summary_json)}</script>
<script>
const specs = JSON.parse(document.getElementById("{FIGURE_DATA_ID}").textContent);
const options = {{responsive: true, displaylogo: false}};
Plotly.newPlot("{FIGURE_ID}", specs.portfolio.data, specs.portfolio.layout, options);
for (const s of specs.symbols) {{
  Plotly.newPlot(s.div, s.figure.data, s.figure.layout, options);
}}
</script>
</body>
</html>
"""


def write_report(
    path: str | os.PathLike[str],
    breakdown: Breakdown,
    *,
    title: str,
    config: Mapping[str, Any] | None = None,
    weights: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    llm: Mapping[str, Any] | None = None,
) -> Path:
    """Write the report of ``breakdown`` to ``path`` (parents created) and return it as a ``Path``.

    ``config`` is the run's configuration as a plain mapping, already masked by the caller; keys
    that look secret are masked again here (``mask_config``). ``weights`` is the decision engine's
    ``{symbol: {agent: {column: value}}}`` (its weights report), shown in each symbol's section.
    ``llm`` is the run's LLM accounting (``providers``, ``budget_stop``, ``exposures``, ``stats``):
    a look-ahead warning at the top when the bars start before a model's training cutoff, and a
    table of calls, tokens and dollars per provider.
    The file is written to a temporary name and renamed, so a crash never leaves half a report.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(breakdown, title=title, config=config, weights=weights, llm=llm)
    # A sibling temporary file (same file system, so the rename is atomic) created with the
    # process's usual permissions, unlike mkstemp's owner-only mode: reports are meant to be shared.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
