"""Timestamp parsing for candle files.

Files in the wild carry time as ISO 8601 strings, as CryptoDataDownload's ``2019-10-17 09-AM``, or
as epoch numbers in seconds, milliseconds, microseconds or nanoseconds. The parser is chosen once
per file from its first value (a column never mixes formats in practice, and choosing once keeps 20k
rows well under the time budget); a later value that does not fit raises ``ValueError`` and the
caller names the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

_CDD = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}-[AP]M$")
_NUMBER = re.compile(r"^-?\d+(\.\d*)?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


#: Epoch units: (description, multiplier to ms, divisor to ms).
_UNITS = {
    "s": ("an epoch time in seconds", 1000, 1),
    "ms": ("an epoch time in ms", 1, 1),
    "us": ("an epoch time in us", 1, 1000),
    "ns": ("an epoch time in ns", 1, 1_000_000),
}


def epoch_unit(value: float) -> str:
    """Unit of an epoch number (``s``, ``ms``, ``us`` or ``ns``), guessed from its magnitude.

    Any date between 1973 and 5138 is unambiguous: below 1e11 it must be seconds, below 1e14
    milliseconds, below 1e17 microseconds, otherwise nanoseconds.
    """
    magnitude = abs(value)
    if magnitude < 1e11:
        return "s"
    if magnitude < 1e14:
        return "ms"
    if magnitude < 1e17:
        return "us"
    return "ns"


def epoch_to_ms(value: int, unit: str) -> int:
    _, mul, div = _UNITS[unit]
    return value * mul // div


def _iso_to_ms(text: str) -> int:
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _cdd_parser() -> Callable[[str], int]:
    """``2019-10-17 09-AM`` (12-hour clock, UTC); days are cached since 24 rows share one."""
    days: dict[str, int] = {}

    def parse(text: str) -> int:
        if len(text) != 16 or text[13] != "-" or text[15] != "M":
            raise ValueError(f"{text!r} is not like 2019-10-17 09-AM")
        day = text[:10]
        base = days.get(day)
        if base is None:
            base = days[day] = _iso_to_ms(day)
        hour = int(text[11:13])
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} in {text!r} is not on a 12-hour clock")
        hour %= 12
        if text[14] == "P":
            hour += 12
        elif text[14] != "A":
            raise ValueError(f"{text!r} is not like 2019-10-17 09-AM")
        return base + hour * 3_600_000

    return parse


def parser_for(sample: str) -> tuple[str, Callable[[str], int]]:
    """Pick a parser (its description and the function) for a column whose first value is sample."""
    text = sample.strip()
    if _NUMBER.match(text):
        unit = epoch_unit(float(text))
        description, mul, div = _UNITS[unit]

        def parse_epoch(value: str) -> int:
            value = value.strip()
            if value.isdigit():
                return int(value) * mul // div
            return round(float(value) * mul / div)

        return description, parse_epoch
    if _CDD.match(text):
        return "a date like 2019-10-17 09-AM", _cdd_parser()

    def parse_iso(value: str) -> int:
        return _iso_to_ms(value.strip())

    return "an ISO 8601 date", parse_iso


def format_ms(ts: int) -> str:
    """``2019-10-17 09:00`` (UTC), the form used in messages and listings."""
    dt = datetime.fromtimestamp(ts / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%d %H:%M") if dt.second == 0 else dt.isoformat()


def iso_ms(ts: int) -> str:
    """Exact ISO 8601 form with milliseconds and ``Z``, which round-trips through ``_iso_to_ms``."""
    dt = datetime.fromtimestamp(ts // 1000, tz=UTC).replace(microsecond=(ts % 1000) * 1000)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts % 1000:03d}Z"
