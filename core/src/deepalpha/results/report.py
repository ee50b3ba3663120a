"""A self-contained HTML report of a run: summary, equity vs buy and hold, drawdown, trades.

One file, no network: plotly.js is embedded inline (about 4.6 MB), so the report opens from an
e-mail attachment or an air-gapped machine exactly as it did on the machine that wrote it.

The figure's data is stored as JSON in a ``<script type="application/json">`` element and drawn by a
two-line script, so tools (and our tests) can read back exactly what is plotted. Series longer than
``MAX_POINTS`` are decimated with a min/max-per-bucket rule that keeps every bucket's extremes:
peaks, troughs and the deepest drawdown stay visible while a 20,000-bar hourly run stays small.
"""

from __future__ import annotations

import html
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..data import BarSeries
from ..domain import ms_to_datetime
from .format import summary_rows
from .metrics import Summary, drawdown
from .trades import Trade

#: Above this many points a plotted series is decimated (see ``extrema_indices``).
MAX_POINTS = 5_000

FIGURE_ID = "deepalpha-figure"
FIGURE_DATA_ID = "deepalpha-figure-data"
SUMMARY_DATA_ID = "deepalpha-summary"


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


def _times(ts: np.ndarray) -> np.ndarray:
    return np.asarray(ts, dtype=np.int64).astype("datetime64[ms]")


def _decimated(ts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = extrema_indices(values)
    return _times(ts[keep]), values[keep]


def _buy_and_hold(bars: BarSeries, ts: np.ndarray, start_equity: float) -> np.ndarray | None:
    """Equity of putting ``start_equity`` into the symbol at the first bar, at each ``ts``."""
    if len(bars) == 0 or bars.close[0] <= 0:
        return None
    rows = np.clip(np.searchsorted(bars.ts, ts, side="right") - 1, 0, len(bars) - 1)
    close = bars.close[rows]
    return start_equity * close / close[0]


def _trade_markers(trades: Sequence[Trade], symbol: str) -> list[dict[str, Any]]:
    """Entry and exit markers of ``symbol``'s trades (one per fill, even when split in lots)."""
    entries: dict[tuple[int, str], tuple[bool, str]] = {}
    exits: dict[tuple[int, str], list[Trade]] = {}
    for t in trades:
        if t.symbol != symbol:
            continue
        entries.setdefault((t.entry_ts, str(t.entry_price)), (t.is_long, t.entry_fill_id))
        exits.setdefault((t.exit_ts, str(t.exit_price)), []).append(t)
    traces: list[dict[str, Any]] = []
    for long, name, color, marker in (
        (True, "Long entry", "#1a9850", "triangle-up"),
        (False, "Short entry", "#d73027", "triangle-down"),
    ):
        keys = [k for k, (is_long, _) in entries.items() if is_long is long]
        if keys:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name,
                    "x": [ms_to_datetime(k[0]).isoformat() for k in keys],
                    "y": [float(k[1]) for k in keys],
                    "marker": {"symbol": marker, "size": 10, "color": color},
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
                "x": [ms_to_datetime(k[0]).isoformat() for k in keys],
                "y": [float(k[1]) for k in keys],
                "text": [f"PnL {p:,.2f}" for p in pnl],
                "marker": {
                    "symbol": "x",
                    "size": 9,
                    "color": ["#1a9850" if p > 0 else "#d73027" for p in pnl],
                },
            }
        )
    return traces


def build_figure(
    *, summary: Summary, bars: BarSeries, ts: Any, equity: Any, trades: Sequence[Trade]
) -> Any:
    """The plotly figure: equity and buy-and-hold, drawdown, and price with the trades."""
    from plotly.subplots import make_subplots

    ts_a = np.asarray(ts, dtype=np.int64)
    eq = np.asarray(equity, dtype=np.float64)
    if len(ts_a) != len(eq) or len(eq) == 0:
        raise ValueError(f"equity: has {len(eq)} values, ts has {len(ts_a)}; need equal and > 0")
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        row_heights=[0.4, 0.2, 0.4],
        subplot_titles=("Equity", "Drawdown", f"{bars.symbol} close and trades"),
    )
    x, y = _decimated(ts_a, eq)
    fig.add_scatter(x=x, y=y, name="Strategy", line={"color": "#1f77b4"}, row=1, col=1)
    hold = _buy_and_hold(bars, ts_a, float(eq[0]))
    if hold is not None:
        x, y = _decimated(ts_a, hold)
        fig.add_scatter(
            x=x, y=y, name="Buy & hold", line={"color": "#7f7f7f", "dash": "dot"}, row=1, col=1
        )
    x, y = _decimated(ts_a, -drawdown(eq) * 100.0)
    fig.add_scatter(
        x=x, y=y, name="Drawdown %", fill="tozeroy", line={"color": "#d62728"}, row=2, col=1
    )
    if len(bars):
        x, y = _decimated(np.asarray(bars.ts), np.asarray(bars.close))
        fig.add_scatter(x=x, y=y, name="Close", line={"color": "#444444"}, row=3, col=1)
    for trace in _trade_markers(trades, bars.symbol):
        fig.add_trace(trace, row=3, col=1)
    fig.update_yaxes(title_text="Equity", row=1, col=1)
    fig.update_yaxes(title_text="%", row=2, col=1)
    fig.update_yaxes(title_text="Price", row=3, col=1)
    fig.update_layout(
        template="plotly_white",
        height=1100,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.04},
        hovermode="x unified",
    )
    return fig


def _script_json(text: str) -> str:
    """JSON safe inside ``<script>``: ``<`` occurs only in strings, where ``\\u003c`` is equal."""
    return text.replace("<", "\\u003c")


_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
p.meta { color: #666; margin: 0 0 16px 0; }
table.summary { border-collapse: collapse; margin-bottom: 16px; }
table.summary td { padding: 3px 14px; border-bottom: 1px solid #eee; }
table.summary td.value { text-align: right; font-variant-numeric: tabular-nums; }
"""


def render_html(
    *, title: str, summary: Summary, bars: BarSeries, ts: Any, equity: Any, trades: Sequence[Trade]
) -> str:
    """The report as one HTML string (see ``write_report``)."""
    from plotly.offline import get_plotlyjs

    fig = build_figure(summary=summary, bars=bars, ts=ts, equity=equity, trades=trades)
    rows = "\n".join(
        f'<tr><td>{html.escape(label)}</td><td class="value">{html.escape(value)}</td></tr>'
        for label, value in summary_rows(summary)
    )
    start = ms_to_datetime(summary.start_ts).strftime("%Y-%m-%d %H:%M")
    end = ms_to_datetime(summary.end_ts).strftime("%Y-%m-%d %H:%M")
    meta = f"{bars.symbol} {bars.timeframe}, {start} to {end} UTC, {summary.bars:,} bars"
    figure_json = _script_json(fig.to_json())
    summary_json = _script_json(json.dumps(summary.to_dict(), allow_nan=False))
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
<table class="summary">
{rows}
</table>
<div id="{FIGURE_ID}"></div>
<script type="application/json" id="{FIGURE_DATA_ID}">{figure_json}</script>
<script type="application/json" id="{SUMMARY_DATA_ID}">{summary_json}</script>
<script>
const spec = JSON.parse(document.getElementById("{FIGURE_DATA_ID}").textContent);
Plotly.newPlot("{FIGURE_ID}", spec.data, spec.layout, {{responsive: true, displaylogo: false}});
</script>
</body>
</html>
"""


def write_report(
    path: str | os.PathLike[str],
    *,
    title: str,
    summary: Summary,
    bars: BarSeries,
    ts: Any,
    equity: Any,
    trades: Sequence[Trade],
) -> Path:
    """Write the report to ``path`` (parents created) and return it as a ``Path``.

    The file is written to a temporary name and renamed, so a crash never leaves half a report.
    Only ``bars.symbol``'s trades are marked on the price panel.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(title=title, summary=summary, bars=bars, ts=ts, equity=equity, trades=trades)
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
