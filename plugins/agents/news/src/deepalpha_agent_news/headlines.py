"""The headline record, time parsing and de-duplication.

Every source turns its payload into ``Headline`` values through the named constructors here, so
the rules that matter for honest backtests live in one place:

- ``published_at`` is epoch milliseconds UTC. Offsets are applied (``10:00+02:00`` is 08:00 UTC);
  a time without an offset is taken as UTC. A headline whose time is missing cannot be placed on the
  time line, so it is never built: the constructors return ``None`` and the source drops it.
- Two headlines are the same story when they share an ``id``, or when their titles are equal after
  normalisation (case and compatibility forms folded by NFKC, punctuation and spacing ignored), they
  come from the same ``source`` and were published less than ``TITLE_WINDOW_MS`` (7 days) apart.
  The earliest copy wins, because that is when the story was first known.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from attrs import field, frozen

#: Numbers at or above this are epoch milliseconds, below it epoch seconds (1e11 s is year 5138,
#: 1e11 ms is 1973: no headline a source serves is ambiguous).
_MS_THRESHOLD = 1e11

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def parse_time(value: Any) -> int | None:
    """Epoch milliseconds UTC from what sources send, or ``None`` when there is no usable time.

    Accepts ISO 8601 (``2018-01-05T10:00:00+02:00``, ``...Z``, ``2018-01-05``), RFC 822 as RSS
    writes it (``Fri, 05 Jan 2018 10:00:00 +0200``, ``GMT``, ``EST``), epoch seconds or
    milliseconds (numbers or digit strings) and aware or naive ``datetime`` values. Naive times are
    UTC. Times before 1970 are refused (``None``): no headline is that old, so it is a broken date.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        dt = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return _checked(round(dt.timestamp() * 1000))
    if isinstance(value, int | float):
        return _from_number(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit() or (text[0] in "+-" and text[1:].isdigit()):
        return _from_number(float(text))
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return _checked(round(dt.timestamp() * 1000))


def _from_number(value: float) -> int | None:
    if not math.isfinite(value):
        return None
    ms = value if abs(value) >= _MS_THRESHOLD else value * 1000.0
    return _checked(round(ms))


def _checked(ms: int) -> int | None:
    return ms if ms > 0 else None


def normalise_title(title: str) -> str:
    """The title as compared for duplicates: NFKC, case-folded, words joined by single spaces."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def currency_codes(value: Any) -> tuple[str, ...]:
    """Upper-case currency codes, in order, without repeats, from a list or ``"BTC, ETH"``."""
    if value is None:
        return ()
    items = re.split(r"[\s,;|]+", value) if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        code = str(item).strip().upper()
        if code and code not in out:
            out.append(code)
    return tuple(out)


def _non_empty(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must be a non-empty string, got {value!r}")


def _epoch_ms(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{attribute.name}: must be epoch milliseconds (int > 0), got {value!r}")


@frozen(slots=True)
class Headline:
    """One news item about zero or more currencies (``currencies`` empty: not tagged by its source;
    the agent then looks for the currency's names in the title)."""

    id: str = field(validator=_non_empty)
    title: str = field(validator=_non_empty)
    published_at: int = field(validator=_epoch_ms)
    source: str = ""
    currencies: tuple[str, ...] = field(default=(), converter=currency_codes)
    url: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """What makes two headlines the same story when their ids differ."""
        return normalise_title(self.title), self.source.strip().casefold()

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.published_at / 1000, tz=UTC)

    # -- named constructors ------------------------------------------------------------------------

    @classmethod
    def from_mapping(
        cls, row: Mapping[str, Any], *, where: str, default_source: str = ""
    ) -> Headline | None:
        """A headline from a JSON object or CSV row of a headline file.

        Fields: ``title`` and ``published_at`` (required), ``id``, ``source``, ``currencies``
        (a list or ``"BTC,ETH"``), ``url``; others are ignored. Returns ``None`` for a row without a
        time (``published_at`` missing or empty): undated headlines are dropped. A time that is
        present but unreadable is an error naming ``where``: it is a mistake in the file, not news
        without a date.
        """
        if not isinstance(row, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(row).__name__}")
        title = row.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"{where}: title: missing or empty")
        raw_time = row.get("published_at")
        if raw_time is None or (isinstance(raw_time, str) and not raw_time.strip()):
            return None
        published = parse_time(raw_time)
        if published is None:
            raise ValueError(f"{where}: published_at: {raw_time!r} is not a date and time")
        source = str(row.get("source") or default_source).strip()
        ident = row.get("id")
        if ident in (None, ""):
            ident = stable_id(title, source, published)
        return cls(
            str(ident).strip(),
            title.strip(),
            published,
            source,
            row.get("currencies"),
            str(row.get("url") or ""),
        )


def stable_id(title: str, source: str, published_at: int) -> str:
    """An id for a headline that has none, the same on every read of the same data."""
    digest = hashlib.sha1(f"{normalise_title(title)}\x1f{source}\x1f{published_at}".encode())
    return "h:" + digest.hexdigest()[:16]


#: Equal titles from one source count as one story only this close together: "Daily market
#: update" every morning is seven stories a week, a wire item re-sent an hour later is one.
TITLE_WINDOW_MS = 7 * 86_400_000


class Deduplicator:
    """Remembers the stories it has let through: ids for ever, normalised title + source for
    ``window_ms`` around the time they were published."""

    __slots__ = ("_ids", "_keys", "window_ms")

    def __init__(self, window_ms: int = TITLE_WINDOW_MS) -> None:
        self.window_ms = window_ms
        self._ids: set[str] = set()
        self._keys: dict[tuple[str, str], int] = {}

    def first(self, headline: Headline) -> bool:
        """True the first time a story is seen, False for every later copy."""
        if headline.id in self._ids:
            return False
        key = headline.key
        seen = self._keys.get(key)
        if seen is not None and abs(headline.published_at - seen) < self.window_ms:
            return False
        self._ids.add(headline.id)
        self._keys[key] = headline.published_at
        return True


def dedupe(headlines: Iterable[Headline]) -> list[Headline]:
    """One copy of each story, the earliest, in publication order."""
    seen = Deduplicator()
    ordered = sorted(headlines, key=lambda h: (h.published_at, h.id))
    return [h for h in ordered if seen.first(h)]
