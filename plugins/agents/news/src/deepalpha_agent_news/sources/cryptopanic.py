"""A CryptoPanic-style JSON news API over httpx.

``GET {base_url}/api/developer/v2/posts/?auth_token=...&currencies=BTC&kind=news`` answers
``{"next": url|null, "previous": url|null, "results": [{"id", "title", "published_at", "kind",
"source": {"title", "domain", ...}, "currencies": [{"code": "BTC"}, ...], "votes": {...},
"url"}]}``, newest first. The source follows ``next`` until a page reaches back past ``since``,
``next`` is empty, or ``max_pages`` pages were read (the bound that keeps a backtest over old dates
from paging through the whole archive). A ``next`` pointing to another host is not followed: the
token would go with it.

The token travels in the query string, as this API wants. It is registered with the log filter of
``_http`` (so httpx's request log shows ``***``), kept out of ``repr`` and never put in an error.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Literal

from attrs import field, frozen

from ..headlines import Headline, parse_time
from . import NewsSource, NewsSourceError
from ._http import display_url, get, protect, same_origin
from ._options import at_least_one, http_url, non_negative, positive

log = logging.getLogger("deepalpha.agents.news")

PATH = "/api/developer/v2/posts/"


def _token(_inst: object, attribute, value: str) -> None:
    if not value.strip():
        raise ValueError(
            f"{attribute.name}: must be set (for example auth_token: ${{CRYPTOPANIC_TOKEN}})"
        )


@frozen
class CryptoPanicOptions:
    auth_token: str = field(validator=_token, repr=False, metadata={"secret": True})
    base_url: str = field(default="https://cryptopanic.com", validator=http_url)
    kind: Literal["news", "media", "all"] = "news"
    #: The API's ``filter`` (rising, hot, bullish, bearish, important, ...); empty: none.
    filter: str = ""
    max_pages: int = field(default=10, validator=at_least_one)
    timeout_seconds: float = field(default=10.0, validator=positive)
    #: How long fetched pages answer later windows before the API is asked again.
    cache_seconds: float = field(default=60.0, validator=non_negative)
    max_bytes: int = field(default=5_000_000, validator=positive)


class CryptoPanicSource(NewsSource):
    name = "cryptopanic"
    Options = CryptoPanicOptions

    def __init__(self, options: CryptoPanicOptions) -> None:
        self.options = options
        protect(options.auth_token)
        self.dropped_undated = 0
        self.requests = 0
        self._client = None
        # currency -> (monotonic time, the since it covers, headlines)
        self._cache: dict[str, tuple[float, int, list[Headline]]] = {}

    def __repr__(self) -> str:
        return f"CryptoPanicSource({display_url(self.options.base_url)!r})"

    def fetch(self, currency: str, since: int, until: int) -> list[Headline]:
        code = currency.upper()
        now = time.monotonic()
        cached = self._cache.get(code)
        if cached is None or now - cached[0] >= self.options.cache_seconds or since < cached[1]:
            items, covered = self._pages(code, since)
            cached = (now, covered, items)
            self._cache[code] = cached
        return [h for h in cached[2] if since <= h.published_at < until]

    def _pages(self, code: str, since: int) -> tuple[list[Headline], int]:
        """Headlines back to ``since`` (or as far as the page bound allows) and the earliest
        ``since`` the answer stands for: ``since`` itself when paging got there, so a request
        within the cache time that reaches further back asks the API again."""
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=self.options.timeout_seconds)
        o = self.options
        url: str | None = o.base_url.rstrip("/") + PATH
        params: dict[str, str] | None = {"auth_token": o.auth_token, "currencies": code}
        if o.kind != "all":
            params["kind"] = o.kind
        if o.filter:
            params["filter"] = o.filter
        out: list[Headline] = []
        for _page in range(o.max_pages):
            body = get(self._client, url, params=params, what="cryptopanic", max_bytes=o.max_bytes)
            self.requests += 1
            results, next_url = self._page(body)
            out.extend(results)
            if not next_url or (results and min(h.published_at for h in results) < since):
                return out, since
            if not same_origin(next_url, o.base_url):
                log.warning(
                    "cryptopanic: not following 'next' to another host (%s)",
                    display_url(next_url),
                )
                return out, since
            url, params = next_url, None  # ``next`` carries the query (token included) itself
        # Stopped by the page bound: asking again (for this or an earlier window) would read the
        # same pages, so the answer stands for any window until the cache expires.
        return out, 0

    def _page(self, body: bytes) -> tuple[list[Headline], str | None]:
        try:
            data = json.loads(body)
        except ValueError:
            raise NewsSourceError("cryptopanic: the response is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise NewsSourceError("cryptopanic: the response has no 'results' list")
        next_url = data.get("next")
        out = []
        for item in data["results"]:
            headline = self.headline(item)
            if headline is not None:
                out.append(headline)
        return out, next_url if isinstance(next_url, str) else None

    def headline(self, item: object) -> Headline | None:
        """One API result as a ``Headline``; ``None`` for an item without id, title or time."""
        if not isinstance(item, dict):
            return None
        title = item.get("title")
        ident = item.get("id")
        if not isinstance(title, str) or not title.strip() or ident in (None, ""):
            return None
        published = parse_time(item.get("published_at"))
        if published is None:
            self.dropped_undated += 1
            return None
        source = item.get("source")
        label = ""
        if isinstance(source, dict):
            label = str(source.get("title") or source.get("domain") or "")
        codes = [c.get("code") for c in item.get("currencies") or () if isinstance(c, dict)]
        url = item.get("url") or item.get("original_url") or ""
        return Headline(
            f"cryptopanic:{ident}",
            " ".join(title.split()),
            published,
            label or "cryptopanic",
            [c for c in codes if isinstance(c, str)],
            str(url),
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
