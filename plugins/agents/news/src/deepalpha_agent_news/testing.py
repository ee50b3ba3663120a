"""Helpers for testing news sources, ours and third parties': a loopback HTTP server, a source that
serves a fixed list, and the contract a source must honour.

::

    from deepalpha_agent_news.testing import check_news_source

    def test_my_source_honours_the_contract():
        check_news_source(MySource(MyOptions(...)), "BTC", since, until)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from attrs import define, field

from .headlines import Headline
from .sources import NewsSource

#: A route answers with (status, content type, body).
Reply = tuple[int, str, bytes]


@define
class LoopbackServer:
    """What ``serve`` started: its base URL, the routes it answers and the requests it saw."""

    url: str
    routes: dict[str, Reply | Callable[[str], Reply]]
    requests: list[str] = field(factory=list)  # path with query, in arrival order


@contextmanager
def serve(routes: dict[str, Reply | Callable[[str], Reply]]) -> Iterator[LoopbackServer]:
    """An HTTP server on 127.0.0.1 (a free port) answering ``GET path`` from ``routes``.

    A route is matched on the path without its query; its value is a reply or a function of the
    full request path returning one. Unknown paths get 404. The server stops when the block ends;
    each connection has a 5 s socket timeout, so a stuck client cannot hang a test run.
    """
    state = LoopbackServer("", routes)

    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_GET(self) -> None:
            state.requests.append(self.path)
            route = state.routes.get(self.path.split("?", 1)[0])
            if route is None:
                status, ctype, body = 404, "text/plain", b"not found"
            else:
                status, ctype, body = route(self.path) if callable(route) else route
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the requests are in ``LoopbackServer.requests``."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class StaticSource(NewsSource):
    """Serves a fixed list of headlines (filtered by window, not by currency) and counts calls."""

    name = "static"

    def __init__(self, headlines: Sequence[Headline] = ()) -> None:
        self.headlines = list(headlines)
        self.calls: list[tuple[str, int, int]] = []

    def fetch(self, currency: str, since: int, until: int) -> list[Headline]:
        self.calls.append((currency, since, until))
        return [h for h in self.headlines if since <= h.published_at < until]


def check_news_source(source: NewsSource, currency: str, since: int, until: int) -> list[Headline]:
    """A source returns ``Headline`` values, dated (they cannot be built otherwise), inside
    ``[since, until)``, and gives the same answer when asked twice."""
    first = list(source.fetch(currency, since, until))
    for headline in first:
        assert isinstance(headline, Headline), f"fetch returned {type(headline).__name__}"
        assert since <= headline.published_at < until, (
            f"{headline.id} published at {headline.published_at}, outside [{since}, {until})"
        )
    again = list(source.fetch(currency, since, until))
    assert sorted(h.id for h in again) == sorted(h.id for h in first), "fetch is not repeatable"
    return first


__all__ = ["LoopbackServer", "StaticSource", "check_news_source", "serve"]
