"""The evaluation's HTML report and terminal tables.

The HTML page is one self-contained file like the run report (``results.report``): plotly.js is
embedded inline and the figures' data sits in one ``<script type="application/json">`` element, so
the page opens offline and tests can read back what is plotted. It shows, per group of windows
(all, exposed to a model's training data, clear of it): the walk-forward equity of every strategy
(each bar once, compounded), the overall metrics and the significance of the differences; then
every window's return per strategy, the per-window table with p-values, and the regime table.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from .harness import BUY_HOLD, SUBJECT_LLM, EvalResult, GroupResult

FIGURE_DATA_ID = "deepalpha-eval-figures"
RESULT_DATA_ID = "deepalpha-eval-result"

_COLORS = {
    "agents+llm": "#1f77b4",
    "agents": "#2ca02c",
    "random": "#ff7f0e",
    BUY_HOLD: "#7f7f7f",
}
_GROUP_TITLES = {
    "all": "All windows",
    "exposed": "Windows before a model's training cutoff (exposed)",
    "clear": "Windows after every model's training cutoff (clear)",
}
_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "legend": {"orientation": "h", "y": 1.08},
}


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2%}"


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def p_text(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if value >= 0.0001 else f"{value:.1e}"


def verdict(test: Any) -> str:
    """Plain words for one test: better / worse / no significant difference (5 % level)."""
    if test.p_value < 0.05:
        return "better" if test.mean_diff > 0 else "worse"
    return "no significant difference"


def group_rows(result: EvalResult, group: GroupResult) -> list[list[str]]:
    """Rows of the overall table: one per strategy."""
    rows = []
    for name, m in group.metrics.items():
        beat = m.get("subject_beat")
        rows.append(
            [
                name,
                pct(m["return"]),
                num(m["sharpe"]),
                f"{m['max_drawdown']:.2%}",
                f"{m['trades']:.0f}",
                num(m["turnover"]),
                f"{m['fees']:,.2f}",
                f"{m['llm_cost']:,.4f}",
                "" if beat is None else f"{beat}/{group.windows}",
            ]
        )
    return rows


GROUP_COLUMNS = (
    "strategy",
    "return",
    "Sharpe",
    "max DD",
    "trades",
    "turnover",
    "fees",
    "LLM $",
    "windows the subject beat it",
)


def significance_rows(
    result: EvalResult, group: GroupResult, bars_per_year: float
) -> list[list[str]]:
    rows = []
    for name, t in group.tests.items():
        rows.append(
            [
                f"{result.subject} vs {name}",
                f"{t.mean_diff * bars_per_year:+.2%}",
                f"[{t.ci_low * bars_per_year:+.2%}, {t.ci_high * bars_per_year:+.2%}]",
                p_text(t.p_value),
                f"{t.n:,}",
                f"{t.block:.1f}",
                verdict(t),
            ]
        )
    return rows


TEST_COLUMNS = (
    "comparison",
    "mean diff / yr",
    "95% CI / yr",
    "p-value",
    "bars",
    "block",
    "verdict",
)


def window_rows(result: EvalResult) -> list[list[str]]:
    rows = []
    for w in result.windows:
        row = [str(w.window.index), w.window.label(), w.regime.label, w.group]
        row += [pct(w.curves[n].metrics["return"]) for n in (result.subject, *result.baselines)]
        row += [p_text(w.tests[n].p_value) for n in result.baselines]
        row += [f"{w.llm['cost_usd']:.4f}", f"{w.seconds:.1f}"]
        rows.append(row)
    return rows


def window_columns(result: EvalResult) -> list[str]:
    return [
        "#",
        "window",
        "regime",
        "group",
        *(f"{n} return" for n in (result.subject, *result.baselines)),
        *(f"p vs {n}" for n in result.baselines),
        "LLM $",
        "seconds",
    ]


def regime_rows(result: EvalResult) -> list[list[str]]:
    rows = []
    for label, row in result.regimes.items():
        cells = [label, str(row["windows"])]
        cells += [pct(row[n]) for n in (result.subject, *result.baselines)]
        cells += [f"{row[f'beat_{n}']}/{row['windows']}" for n in result.baselines]
        rows.append(cells)
    return rows


def regime_columns(result: EvalResult) -> list[str]:
    return [
        "regime",
        "windows",
        *(f"{n} mean return" for n in (result.subject, *result.baselines)),
        *(f"{result.subject} beat {n}" for n in result.baselines),
    ]


# -- terminal --------------------------------------------------------------------------------------


def _rich_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
    from rich.table import Table

    table = Table(title=title, header_style="bold", title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def terminal_tables(result: EvalResult) -> list[Any]:
    """rich tables: overall and significance per group, then regimes."""
    from ..results.metrics import YEAR_MS

    bpy = _bars_per_year(result, YEAR_MS)
    out: list[Any] = []
    for name, group in shown_groups(result).items():
        title = f"{group_title(result, name)}: {group.windows} windows"
        out.append(_rich_table(title, GROUP_COLUMNS, group_rows(result, group)))
        out.append(_rich_table("", TEST_COLUMNS, significance_rows(result, group, bpy)))
    out.append(_rich_table("By regime", regime_columns(result), regime_rows(result)))
    return out


def group_title(result: EvalResult, name: str) -> str:
    if result.subject != SUBJECT_LLM and name == "clear":
        return "Windows (no LLM consulted, so none is exposed)"
    return _GROUP_TITLES[name]


def shown_groups(result: EvalResult) -> dict[str, GroupResult]:
    """The groups worth showing: "all" only when windows fall on both sides of a cutoff."""
    split = [g for g in ("exposed", "clear") if g in result.groups]
    if len(split) == 2:
        return dict(result.groups)
    return {name: result.groups[name] for name in split}


def missing_groups(result: EvalResult) -> list[str]:
    """One line per cutoff group without windows."""
    if result.subject != SUBJECT_LLM:
        return []
    return [f"{_GROUP_TITLES[g]}: none" for g in ("exposed", "clear") if g not in result.groups]


def _bars_per_year(result: EvalResult, year_ms: int) -> float:
    from ..data import timeframe_ms

    return year_ms / timeframe_ms(result.timeframe)


# -- HTML ------------------------------------------------------------------------------------------


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i else "name"}">{html.escape(v)}</td>' for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def equity_figure(result: EvalResult, group: GroupResult) -> dict[str, Any]:
    """Walk-forward equity (1 at the start) of each strategy in ``group``."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, curve in group.equity.items():
        fig.add_scatter(
            x=group.ts.tolist(),
            y=curve.tolist(),
            name=name,
            line={"color": _COLORS.get(name), "dash": "dot" if name == BUY_HOLD else None},
        )
    fig.update_xaxes(type="date")
    fig.update_yaxes(title_text="Equity (start = 1, log scale)", type="log")
    fig.update_layout(height=420, title="Walk-forward equity (each bar once)", **_LAYOUT)
    return json.loads(fig.to_json())


def window_figure(result: EvalResult) -> dict[str, Any]:
    """Each window's return per strategy, grouped bars."""
    import plotly.graph_objects as go

    labels = [f"#{w.window.index} {w.regime.label}" for w in result.windows]
    fig = go.Figure()
    for name in (result.subject, *result.baselines):
        fig.add_bar(
            x=labels,
            y=[w.curves[name].metrics["return"] * 100 for w in result.windows],
            name=name,
            marker={"color": _COLORS.get(name)},
        )
    fig.update_yaxes(title_text="Return %")
    fig.update_layout(height=420, barmode="group", title="Return per window", **_LAYOUT)
    return json.loads(fig.to_json())


_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 18px; margin: 28px 0 8px 0; }
p.meta { color: #666; margin: 0 0 12px 0; }
table { border-collapse: collapse; margin-bottom: 16px; font-size: 14px; }
td, th { padding: 3px 10px; border-bottom: 1px solid #eee; }
th { text-align: left; font-weight: 600; border-bottom: 1px solid #bbb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def render_html(result: EvalResult) -> str:
    from plotly.offline import get_plotlyjs

    from ..results.metrics import YEAR_MS

    bpy = _bars_per_year(result, YEAR_MS)
    o = result.options
    title = f"DeepAlpha eval: {', '.join(result.symbols)} {result.timeframe}"
    meta = (
        f"subject {result.subject} against {', '.join(result.baselines)} · windows {o.window} "
        f"every {o.step} · {len(result.windows)} evaluated, {len(result.skipped)} skipped · "
        f"random baseline averaged over {o.seeds} seeds · paired stationary bootstrap, "
        f"{o.samples} resamples · {result.seconds:.1f}s"
    )
    figures: dict[str, Any] = {"groups": {}, "windows": window_figure(result)}
    sections = []
    for name, group in shown_groups(result).items():
        div = f"deepalpha-eval-{name}"
        figures["groups"][name] = {"div": div, "figure": equity_figure(result, group)}
        sections.append(
            f'<section class="group" data-group="{name}">\n'
            f"<h2>{html.escape(group_title(result, name))}: {group.windows} windows</h2>\n"
            f'<div id="{div}"></div>\n'
            f"{_table(GROUP_COLUMNS, group_rows(result, group))}\n"
            "<h3>Significance</h3>\n"
            f"{_table(TEST_COLUMNS, significance_rows(result, group, bpy))}\n"
            "</section>"
        )
    notes = "".join(
        f'<p class="meta">{html.escape(n)}</p>' for n in [*result.notes, *missing_groups(result)]
    )
    skipped = ""
    if result.skipped:
        items = "".join(
            f"<li>window {s.window.index} ({html.escape(s.window.label())}): "
            f"{html.escape(s.reason)}</li>"
            for s in result.skipped
        )
        skipped = f"<h2>Skipped windows</h2>\n<ul>{items}</ul>"
    data = json.dumps(figures).replace("<", "\\u003c")
    payload = json.dumps(result.to_dict(), allow_nan=False).replace("<", "\\u003c")
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
{notes}
{chr(10).join(sections)}
<h2>Windows</h2>
<div id="deepalpha-eval-windows"></div>
{_table(window_columns(result), window_rows(result))}
<h2>By regime</h2>
<p class="meta">A window trends up (down) when the equal-weight index's log return exceeds
{o.band} x its per-bar volatility x sqrt(bars) (below minus that); otherwise it is sideways.</p>
{_table(regime_columns(result), regime_rows(result))}
{skipped}
<script type="application/json" id="{FIGURE_DATA_ID}">{data}</script>
<script type="application/json" id="{RESULT_DATA_ID}">{payload}</script>
<script>
const specs = JSON.parse(document.getElementById("{FIGURE_DATA_ID}").textContent);
const options = {{responsive: true, displaylogo: false}};
for (const g of Object.values(specs.groups)) {{
  Plotly.newPlot(g.div, g.figure.data, g.figure.layout, options);
}}
Plotly.newPlot("deepalpha-eval-windows", specs.windows.data, specs.windows.layout, options);
</script>
</body>
</html>
"""


def write_outputs(result: EvalResult, folder: Any) -> tuple[Any, Any]:
    """Write ``eval.json`` and ``eval.html`` into ``folder`` (created) and return their paths."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "eval.json"
    html_path = out / "eval.html"
    json_path.write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n")
    html_path.write_text(render_html(result), encoding="utf-8")
    return json_path, html_path
