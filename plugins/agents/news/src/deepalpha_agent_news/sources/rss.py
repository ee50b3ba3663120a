"""RSS 2.0 and Atom feeds, read with feedparser.

httpx downloads the feed (so timeouts, size limits and redirects are ours, not urllib's defaults)
and feedparser parses the bytes. A feed is a snapshot of recent items, not something to query by
time, so the parsed feed is kept for ``cache_seconds``: a backtest that asks for many windows
downloads it once.

Times: the entry's own text (``published``, else ``updated``) is parsed with the offset it states;
feedparser's UTC tuple is only the fallback for formats ``parse_time`` does not read. An entry
without either is dropped.
"""

from __future__ import annotations

import calendar
import html
import logging
import re
import time
from urllib.parse import urlsplit

from attrs import field, frozen

from ..headlines import Headline, currency_codes, parse_time, stable_id
from . import NewsSource, NewsSourceError
from ._http import display_url, get
from ._options import http_url, non_negative, positive

log = logging.getLogger("deepalpha.agents.news")

_TAG = re.compile(r"<[^>]+>")


@frozen
class RSSOptions:
    #: The feed's address.
    url: str = field(validator=http_url)
    #: Codes every item of this feed is about (a feed about one coin); empty: the agent looks for
    #: each currency's names in the titles.
    currencies: tuple[str, ...] = field(default=(), converter=currency_codes)
    #: Publisher shown in rationales; empty: the feed's own title, else its host name.
    source: str = ""
    timeout_seconds: float = field(default=10.0, validator=positive)
    #: How long a downloaded feed is reused before it is downloaded again.
    cache_seconds: float = field(default=60.0, validator=non_negative)
    max_bytes: int = field(default=5_000_000, validator=positive)


class RSSSource(NewsSource):
    name = "rss"
    Options = RSSOptions

    def __init__(self, options: RSSOptions) -> None:
        self.options = options
        self.dropped_undated = 0
        self._client = None
        self._cached: tuple[float, list[Headline]] | None = None

    def __repr__(self) -> str:
        return f"RSSSource({display_url(self.options.url)!r})"

    def fetch(self, currency: str, since: int, until: int) -> list[Headline]:
        tags = self.options.currencies
        if tags and currency.upper() not in tags:
            return []
        items = self._items()
        return [h for h in items if since <= h.published_at < until]

    def _items(self) -> list[Headline]:
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.options.cache_seconds:
            return self._cached[1]
        items = self.parse(self._download())
        self._cached = (now, items)
        return items

    def _download(self) -> bytes:
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                timeout=self.options.timeout_seconds, follow_redirects=True, max_redirects=5
            )
        return get(
            self._client,
            self.options.url,
            params=None,
            what="rss",
            max_bytes=self.options.max_bytes,
        )

    def parse(self, body: bytes) -> list[Headline]:
        """Headlines from the bytes of an RSS or Atom document (undated entries dropped)."""
        import feedparser

        parsed = feedparser.parse(body)
        if not parsed.entries and parsed.get("bozo"):
            error = parsed.get("bozo_exception")
            raise NewsSourceError(
                f"rss: {display_url(self.options.url)} is not an RSS/Atom feed ({error})"
            )
        label = (
            self.options.source
            or _text(parsed.feed.get("title", ""))
            or (urlsplit(self.options.url).hostname or "rss")
        )
        out: list[Headline] = []
        dropped = 0
        for entry in parsed.entries:
            title = _text(entry.get("title", ""))
            if not title:
                continue
            published = _entry_time(entry)
            if published is None:
                dropped += 1
                continue
            link = entry.get("link", "") or ""
            ident = entry.get("id") or link or stable_id(title, label, published)
            out.append(Headline(str(ident), title, published, label, self.options.currencies, link))
        if dropped:
            log.debug("rss %s: dropped %d undated item(s)", display_url(self.options.url), dropped)
        self.dropped_undated += dropped
        return out

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _text(value: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", value or "")).split())


def _entry_time(entry) -> int | None:
    for name in ("published", "updated", "created"):
        ms = parse_time(entry.get(name))
        if ms is not None:
            return ms
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        struct = entry.get(name)
        if struct:
            ms = calendar.timegm(struct) * 1000
            if ms > 0:
                return ms
    return None
