"""Walk-forward windows: fixed-length spans of the data, stepped forward in time.

``--window 90d --step 30d`` cuts the data into 90-day windows starting every 30 days, from the
first bar the evaluated symbols share (from the first UTC midnight at or after it when both the
window and the step are whole days, so windows read as dates). A window is ``[start, end)`` in
epoch ms UTC; only windows that fit entirely inside the data are kept (a last, shorter window
would be judged on less data than the others, so it is dropped rather than mixed in).
Overlapping windows (step < window) share bars; the overall tests count every bar once (see
``harness``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from attrs import frozen

from ..errors import UserError

_UNITS = {"h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
_SPEC = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")


@frozen
class Window:
    """One evaluation window: ``[start, end)`` in epoch ms UTC, numbered from 1."""

    index: int
    start: int
    end: int

    def label(self) -> str:
        return f"{_day(self.start)} to {_day(self.end)}"


def _day(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    if moment.hour or moment.minute:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d")


def parse_span(spec: str, option: str) -> int:
    """A duration like ``90d``, ``12w`` or ``48h`` in ms; a ``UserError`` naming ``option``."""
    match = _SPEC.match(str(spec))
    if not match or int(match.group(1)) <= 0:
        raise UserError(
            f"{option}: {spec!r} is not a duration like 90d, 12w or 48h "
            "(a positive whole number of hours h, days d or weeks w)"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def walk_forward(
    first: int, end: int, window_ms: int, step_ms: int, *, bar_ms: int, window: str = ""
) -> list[Window]:
    """Windows of ``window_ms`` every ``step_ms`` from ``first`` while they end by ``end``.

    ``first`` is the first shared bar's open time and ``end`` the close of the last one
    (exclusive). Raises ``UserError`` naming ``--window`` when a window holds fewer than two bars
    or is longer than the data (so no window fits).
    """
    if window_ms < 2 * bar_ms:
        raise UserError(f"--window: {window or window_ms} holds fewer than two bars")
    if end - first < window_ms:
        days = (end - first) / 86_400_000
        raise UserError(
            f"--window: {window or window_ms} is longer than the data ({days:.1f} days, "
            f"{_day(first)} to {_day(end)}); no window fits"
        )
    if window_ms % _UNITS["d"] == 0 and step_ms % _UNITS["d"] == 0:
        midnight = -(-first // _UNITS["d"]) * _UNITS["d"]
        if midnight + window_ms <= end:
            first = midnight
    out = []
    start = first
    while start + window_ms <= end:
        out.append(Window(len(out) + 1, start, start + window_ms))
        start += step_ms
    return out
