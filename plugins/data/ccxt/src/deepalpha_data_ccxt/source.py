"""The ``ccxt`` data source: closed candles from an exchange's public REST API."""

from __future__ import annotations

import difflib
import logging
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from deepalpha.data import BarSeries, DataSource, timeframe_ms
from deepalpha.errors import DataError

from .exchange import build_exchange
from .options import CcxtOptions

log = logging.getLogger(__name__)

#: Longest wait between two retries, whatever retry_delay and the attempt count say.
MAX_RETRY_DELAY = 60.0


def format_ms(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts / 1000))


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class CcxtSource(DataSource):
    """Paginated, rate-limited, retried OHLCV through ccxt.

    ``clock`` (epoch ms) decides which candle is still open and ``sleep`` waits between retries;
    both are parameters so tests can fix time and skip waiting.
    """

    name = "ccxt"

    def __init__(
        self,
        options: CcxtOptions | None = None,
        *,
        clock: Callable[[], int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options if options is not None else CcxtOptions()
        self._clock = clock or (lambda: int(time.time() * 1000))
        self._sleep = sleep
        self._exchange = None
        #: Number of HTTP-level calls made (``load_markets`` and one per page), for diagnostics.
        self.requests = 0

    def __repr__(self) -> str:
        where = f" via {self.options.base_url}" if self.options.base_url else ""
        return f"CcxtSource({self.options.exchange}{where})"

    @property
    def exchange(self):
        if self._exchange is None:
            self._exchange = build_exchange(self.options)
        return self._exchange

    # -- calls with retries -----------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ccxt, retrying transient network errors with exponential backoff (bounded)."""
        import ccxt

        name = self.options.exchange
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            self.requests += 1
            try:
                return fn(*args, **kwargs)
            except ccxt.NetworkError as exc:
                if attempt + 1 == attempts:
                    raise DataError(
                        f"{name}: {what} failed after {attempts} attempts: "
                        f"{type(exc).__name__}: {_short(exc)}"
                    ) from exc
                delay = min(self.options.retry_delay * 2**attempt, MAX_RETRY_DELAY)
                log.warning(
                    "%s: %s: %s (attempt %d of %d), retrying in %.1f s",
                    name,
                    what,
                    type(exc).__name__,
                    attempt + 1,
                    attempts,
                    delay,
                )
                self._sleep(delay)
            except ccxt.BaseError as exc:
                raise DataError(f"{name}: {what}: {type(exc).__name__}: {_short(exc)}") from exc
        raise AssertionError("unreachable")

    def markets(self) -> dict[str, Any]:
        exchange = self.exchange
        if not exchange.markets:
            self._call("loading markets", exchange.load_markets)
        return exchange.markets

    def check(self, symbol: str, timeframe: str) -> int:
        """Length of ``timeframe`` in ms, after checking the exchange offers it and ``symbol``."""
        step = timeframe_ms(timeframe)
        exchange = self.exchange
        name = self.options.exchange
        timeframes = getattr(exchange, "timeframes", None) or {}
        if timeframes and timeframe not in timeframes:
            raise DataError(
                f"{name}: timeframe {timeframe!r} is not offered; it has {', '.join(timeframes)}"
            )
        markets = self.markets()
        if symbol not in markets:
            raise DataError(f"{name}: unknown symbol {symbol!r}; {self._alternatives(symbol)}")
        return step

    def _alternatives(self, symbol: str) -> str:
        symbols = sorted(self.markets())
        base = symbol.split("/")[0].upper()
        similar = difflib.get_close_matches(symbol.upper(), symbols, n=5, cutoff=0.6)
        similar += [s for s in symbols if s.split("/")[0] == base and s not in similar]
        if not similar:
            return f"none of its {len(symbols)} markets looks similar"
        return f"similar: {', '.join(similar[:8])}"

    # -- DataSource -------------------------------------------------------------------------------

    def pages(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> Iterator[list[list]]:
        """Closed candles in ``[start, end)``, one list per request, oldest first.

        Pages are requested with ``since`` just past the previous page's last candle and a limit
        no larger than what is still missing. The candle still open at ``clock()`` is never
        returned, so ``end`` is capped at its open time. Without ``start`` the last ``limit``
        closed candles before ``end`` are fetched.
        """
        step = self.check(symbol, timeframe)
        open_ts = self._clock() // step * step
        stop = open_ts if end is None else min(end, open_ts)
        since = start if start is not None else stop - self.options.limit * step
        what = f"fetching {symbol} {timeframe} candles"
        while since < stop:
            want = min(self.options.limit, math.ceil((stop - since) / step))
            rows = self._call(
                f"{what} from {format_ms(since)}",
                self.exchange.fetch_ohlcv,
                symbol,
                timeframe,
                since=since,
                limit=want,
            )
            rows = [row for row in rows if since <= row[0] < stop]
            if not rows:
                return
            yield rows
            since = rows[-1][0] + step

    def fetch(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> BarSeries:
        by_ts: dict[int, list] = {}
        for page in self.pages(symbol, timeframe, start, end):
            for row in page:
                by_ts[int(row[0])] = row
        if not by_ts:
            # Empty, not an error: a live feed polls with start just past its last candle and
            # most polls find nothing new. The engine reports an empty backtest range itself.
            return BarSeries(symbol, timeframe, [], [], [], [], [], [])
        return to_series(
            self.options.exchange, symbol, timeframe, [by_ts[t] for t in sorted(by_ts)]
        )

    def symbols(self) -> list[str]:
        return sorted(self.markets())

    def close(self) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None and hasattr(exchange, "close"):
            exchange.close()


_FIELDS = ("open", "high", "low", "close", "volume")


def to_series(exchange: str, symbol: str, timeframe: str, rows: list[list]) -> BarSeries:
    """ccxt's ``[ts, open, high, low, close, volume]`` rows as a BarSeries; a missing value is an
    error naming the candle rather than a NaN in a backtest."""
    table = np.array([row[:6] for row in rows], dtype=object)
    for i, name in enumerate(_FIELDS, start=1):
        missing = np.flatnonzero(np.equal(table[:, i], None))
        if len(missing):
            ts = int(table[missing[0], 0])
            raise DataError(
                f"{exchange}: {symbol} {timeframe} candle at {format_ms(ts)} has no {name}"
            )
    return BarSeries(
        symbol,
        timeframe,
        table[:, 0].astype(np.int64),
        *(table[:, i].astype(np.float64) for i in range(1, 6)),
    )
