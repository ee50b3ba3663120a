"""The news agent: what the headlines about a symbol's currency say, as of the bar's close.

Point in time
    At the bar that opened at ``ts`` the agent sees the headlines published at or before the bar's
    close, ``ts + history.step_ms`` (the bar's open when ``step_ms`` is 0, as in a ``History`` built
    without a timeframe). Nothing published later can reach it: headlines wait in a time-ordered
    queue and are taken only once the bar's close has passed their time. Undated headlines never
    get that far: they cannot be built (``headlines.py``), so sources drop them.

Event impact
    Each headline is an event whose impact is its sentiment score (``sentiment.py``, in [-1, 1])
    times its source's ``weight``, decaying with a half-life: at age ``a`` it counts
    ``impact * 2 ** (-a / half_life)``. After ``max_age_hours`` it no longer counts at all, and with
    no headline younger than that the agent abstains (returns ``None``): no news is no opinion.

The signal
    ``net`` = sum of decayed impacts, ``mass`` = sum of decay factors (a count of fresh-equivalent
    headlines), ``mean = net / mass``. Direction: long when ``mean > neutral_band``, short when
    ``mean < -neutral_band``, else flat. Strength = ``min(1, |net|)``: one fresh, clearly positive
    headline (+0.6) gives 0.6, and it halves with every half-life. Confidence = agreement x
    coverage, where agreement = ``|net| / sum |decayed impact|`` (1 when all headlines agree) and
    coverage = ``mass / (mass + 1)`` (one fresh headline 0.5, three 0.75). A flat signal has
    strength 0 and confidence = coverage. The rationale names the direction, the number of headlines
    counted, the scores of the three newest and the latest headline with its time and source; it
    changes when a headline arrives or expires or the direction turns, while strength and
    confidence decay bar by bar.

Cost
    The three sums are kept incrementally: per bar they are multiplied by one decay factor, a new
    headline is added once, an expired one subtracted once. Headlines are scored when first taken
    (never again), so a bar costs O(1) plus O(new headlines).

Fetching
    In a backtest the agent asks its sources for ``chunk_days`` of headlines ahead of the bar (the
    first request reaches back ``max_age_hours``), indexes them by time and asks again only when the
    bar passes the end of the chunk. When a chunk would reach past the present, it fetches up to now
    once, synchronously; from then on (live and paper runs) it polls in a background thread at most
    every ``poll_seconds``, re-reading the last hour to catch late items, and takes what arrived at
    the next bar, so a slow source never holds up a bar.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Direction, Signal
from deepalpha.history import History
from deepalpha.llm import LLMProvider

from .headlines import Deduplicator, Headline
from .options import DEFAULT_ALIASES, NewsOptions
from .sentiment import LLMScorer, SentimentScorer
from .sources import NewsSource, build_source

log = logging.getLogger("deepalpha.agents.news")

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
#: Live polls re-read this much before the last horizon: feeds publish items late.
POLL_OVERLAP_MS = HOUR_MS
_INF = float("inf")
_TITLE_CHARS = 90


class _Item:
    """A headline in the agent's queue; scored when first taken."""

    __slots__ = ("headline", "impact", "published", "score", "shown", "weight")

    def __init__(self, headline: Headline, weight: float) -> None:
        self.headline = headline
        self.published = headline.published_at
        self.weight = weight
        self.score = 0.0
        self.impact = 0.0
        title = headline.title
        self.shown = title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 3] + "..."


def currency_of(symbol: str, overrides: dict[str, str] | None = None) -> str:
    """``"BTC/USD"`` -> ``"BTC"``; ``"BTC/USDT:USDT"`` -> ``"BTC"``; overrides win."""
    if overrides and symbol in overrides:
        return overrides[symbol].upper()
    return symbol.split("/")[0].split(":")[0].strip().upper()


def mentions_pattern(names: Sequence[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of any of ``names`` (spaces or hyphens inside)."""
    parts = sorted({n.strip().lower() for n in names if n.strip()}, key=len, reverse=True)
    words = [r"[\s\-]+".join(map(re.escape, p.split())) for p in parts]
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


class NewsAgent(Agent):
    name = "news"
    warmup = 0

    def __init__(
        self,
        options: NewsOptions | None = None,
        *,
        sources: Sequence[NewsSource | tuple[NewsSource, float]] | None = None,
        llm: LLMProvider | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``sources`` and ``llm`` replace what ``options`` configures (tests, scripts);
        ``clock`` gives wall-clock seconds and decides what is history and what is live."""
        self.options = o = options or NewsOptions()
        if sources is None:
            self.sources = [
                (build_source(c.source, c.options, f"sources[{i}]"), c.weight)
                for i, c in enumerate(o.sources)
            ]
        else:
            self.sources = [s if isinstance(s, tuple) else (s, 1.0) for s in sources]
        self.scorer = SentimentScorer(extra=o.lexicon)
        if llm is None and o.llm is not None:
            llm = _build_llm(o)
        weight = o.llm.weight if o.llm is not None else 0.5
        self.llm = LLMScorer(llm, weight) if llm is not None else None
        self._clock = clock
        self._k = -math.log(2.0) / (o.half_life_hours * HOUR_MS)
        self._max_age = round(o.max_age_hours * HOUR_MS)
        self._chunk = max(1, round(o.chunk_days * DAY_MS))
        self._band = o.neutral_band
        self._executor: ThreadPoolExecutor | None = None
        self._dt, self._f = 0, 1.0  # the last decay step and its factor (usually one bar)
        self._failed: set[int] = set()
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------------

    def reset(self) -> None:
        self._symbol: str | None = None
        self._currency = ""
        self._mentions: re.Pattern[str] | None = None
        self._others: re.Pattern[str] | None = None
        self._horizon: float = -_INF  # every headline published before this was asked for
        self._started = False
        self._live = False
        self._future: Future | None = None  # a running live poll (its result is dropped on reset)
        self._last_poll = -_INF
        self._seen = Deduplicator()
        self._pending: list[_Item] = []
        self._i = 0
        self._next_pub: float = _INF
        self._active: deque[_Item] = deque()
        self._net = self._mass = self._abs = 0.0
        self._ref = 0
        self._step = 0
        self._said: Direction | None = None  # the direction self._text was written for
        self._text = ""
        self.fetches = 0

    def close(self) -> None:
        """Stop the poll thread and close the sources (the engine may never call this)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        for source, _ in self.sources:
            source.close()

    @property
    def active_headlines(self) -> tuple[Headline, ...]:
        """The headlines that counted at the last bar, oldest first (for explanations and tests)."""
        return tuple(item.headline for item in self._active)

    # -- per bar ---------------------------------------------------------------------------------

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        if bar.symbol != self._symbol:
            self._bind(bar.symbol)
            self._step = getattr(history, "step_ms", 0) or 0
        close = bar.ts + self._step
        if close >= self._horizon:
            self._advance(close)
        active = self._active
        if active:
            dt = close - self._ref
            if dt:
                if dt == self._dt:
                    f = self._f
                else:
                    self._dt, self._f = dt, math.exp(self._k * dt)
                    f = self._f
                self._net *= f
                self._mass *= f
                self._abs *= f
        self._ref = close
        if self._next_pub <= close:
            self._take(close)
        if not active:
            return None
        if active[0].published <= close - self._max_age:
            self._expire(close)
            if not active:
                return None
        return self._signal(bar)

    def _bind(self, symbol: str) -> None:
        if self._symbol is not None:
            raise ValueError(
                f"news: this agent serves {self._symbol}, got a bar of {symbol}; the engine builds "
                "one agent per symbol"
            )
        o = self.options
        self._symbol = symbol
        self._currency = currency = currency_of(symbol, o.symbol_currencies)
        known = {code: [code.lower(), *names] for code, names in DEFAULT_ALIASES.items()}
        for code, names in o.aliases.items():
            known.setdefault(code.upper(), [code.lower()]).extend(names)
        self._mentions = mentions_pattern(known.get(currency, [currency.lower()]))
        others = [n for code, names in known.items() if code != currency for n in names]
        self._others = mentions_pattern(others) if others else None

    def _take(self, close: int) -> None:
        """Move every queued headline published at or before ``close`` into the active set."""
        pending, i, n = self._pending, self._i, len(self._pending)
        cutoff = close - self._max_age
        k = self._k
        active = self._active
        while i < n and pending[i].published <= close:
            item = pending[i]
            i += 1
            if item.published <= cutoff:
                continue
            self._score(item)
            w = math.exp(k * (close - item.published))
            self._net += item.impact * w
            self._mass += w
            self._abs += abs(item.impact) * w
            if active and item.published < active[-1].published:  # a late arrival (live polls)
                active.insert(bisect.bisect_right(active, item.published, key=_published), item)
            else:
                active.append(item)
        self._i = i
        self._next_pub = pending[i].published if i < n else _INF
        self._said = None  # the active set changed: describe it again

    def _expire(self, close: int) -> None:
        active = self._active
        cutoff = close - self._max_age
        k = self._k
        while active and active[0].published <= cutoff:
            item = active.popleft()
            w = math.exp(k * (close - item.published))
            self._net -= item.impact * w
            self._mass -= w
            self._abs -= abs(item.impact) * w
        if not active:
            self._net = self._mass = self._abs = 0.0
        self._said = None

    def _score(self, item: _Item) -> None:
        h = item.headline
        score = self.scorer.score(h.title)
        if self.llm is not None:
            score = self.llm.blend(score, h.title, h.source, self._currency)
        item.score = score
        item.impact = score * item.weight

    def _signal(self, bar: Bar) -> Signal:
        net, mass, total = self._net, self._mass, self._abs
        coverage = mass / (mass + 1.0)
        mean = net / mass
        if mean > self._band:
            direction = Direction.LONG
        elif mean < -self._band:
            direction = Direction.SHORT
        else:
            direction = Direction.FLAT
        if direction:
            strength = min(1.0, abs(net))
            confidence = min(1.0, max(0.0, (abs(net) / total if total > 0.0 else 0.0) * coverage))
        else:
            strength, confidence = 0.0, min(1.0, max(0.0, coverage))
        # The words change only when a headline arrives or expires, or the direction turns; the
        # numbers that decay every bar are the signal's strength and confidence.
        if self._said is not direction:
            self._said = direction
            self._text = self._describe(direction)
        return Signal("news", bar.symbol, bar.ts, direction, strength, confidence, self._text)

    def _describe(self, direction: Direction) -> str:
        active = self._active
        latest = active[-1]
        count = len(active)
        o = self.options
        mood = {Direction.LONG: "positive", Direction.SHORT: "negative"}.get(direction, "neutral")
        recent = ", ".join(f"{item.score:+.2f}" for item in list(active)[:-4:-1])
        when = latest.headline.time.strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"news {mood}: {count} {self._currency} headline{'s' if count > 1 else ''} in the "
            f"last {o.max_age_hours:g}h, impact halving every {o.half_life_hours:g}h; scores "
            f'(newest first) {recent}; latest {when}: "{latest.shown}" '
            f"({latest.headline.source or 'unknown source'})"
        )

    # -- fetching --------------------------------------------------------------------------------

    def _advance(self, close: int) -> None:
        """Make sure headlines up to ``close`` were asked for (see "Fetching" above)."""
        if not self._started:
            self._started = True
            self._horizon = close - self._max_age
        now = int(self._clock() * 1000)
        target = close + self._chunk
        if target <= now:
            self._merge(self._fetch(int(self._horizon), target), int(self._horizon), target)
            self._horizon = target
            return
        if not self._live:
            self._live = True
            until = now + 1
            self._merge(self._fetch(int(self._horizon), until), int(self._horizon), until)
            self._horizon = until
            self._last_poll = now
            return
        self._poll(now)

    def _poll(self, now: int) -> None:
        future = self._future
        if future is not None:
            if not future.done():
                return
            self._future = None
            batch, since, until = future.result()  # _fetch never raises
            self._merge(batch, since, until)
            self._horizon = max(self._horizon, until)
        if now - self._last_poll < self.options.poll_seconds * 1000:
            return
        self._last_poll = now
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="news-poll")
        since = int(self._horizon) - POLL_OVERLAP_MS
        until = now + 1
        self._future = self._executor.submit(lambda: (self._fetch(since, until), since, until))

    def wait_for_poll(self, timeout: float | None = None) -> None:
        """Block until a running live poll has finished (its headlines are taken at the next
        bar); for tests and for scripts that want the latest news before a decision."""
        if self._future is not None:
            self._future.exception(timeout)

    def _fetch(self, since: int, until: int) -> list[tuple[Headline, float]]:
        """Every source's headlines for ``[since, until)``; a failing source is logged, skipped."""
        self.fetches += 1
        out: list[tuple[Headline, float]] = []
        for index, (source, weight) in enumerate(self.sources):
            try:
                for headline in source.fetch(self._currency, since, until):
                    out.append((headline, weight))
            except Exception as exc:
                first = index not in self._failed
                self._failed.add(index)
                log.log(
                    logging.WARNING if first else logging.DEBUG,
                    "news: source %s failed for %s in [%d, %d): %s",
                    getattr(source, "name", type(source).__name__),
                    self._currency,
                    since,
                    until,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
        return out

    def _merge(self, batch: list[tuple[Headline, float]], since: int, until: int) -> None:
        """Queue new headlines about this agent's currency; the earliest copy of a story wins."""
        fresh: list[_Item] = []
        for headline, weight in sorted(batch, key=_batch_order):
            if not isinstance(headline, Headline) or not since <= headline.published_at < until:
                continue
            if self._about(headline) and self._seen.first(headline):
                fresh.append(_Item(headline, weight))
        if not fresh:
            return
        queue = self._pending[self._i :] + fresh
        queue.sort(key=_published)
        self._pending, self._i = queue, 0
        self._next_pub = queue[0].published

    def _about(self, headline: Headline) -> bool:
        """Tagged headlines count for their currencies only; untagged ones when the title names
        the currency, and with ``market_wide`` also when it names no known currency at all."""
        if headline.currencies:
            return self._currency in headline.currencies
        if self._mentions is not None and self._mentions.search(headline.title):
            return True
        if not self.options.market_wide:
            return False
        return self._others is None or not self._others.search(headline.title)


def _published(item: _Item) -> int:
    return item.published


def _batch_order(pair: tuple[Headline, float]) -> tuple[int, str]:
    return pair[0].published_at, pair[0].id


def _build_llm(options: NewsOptions) -> LLMProvider:
    """The LLM provider ``options.llm`` names, built through the plugin registry."""
    from deepalpha.engine.components import build
    from deepalpha.errors import UserError
    from deepalpha.plugins import get_plugin_manager

    cfg = options.llm
    assert cfg is not None
    try:
        return build(get_plugin_manager(), "llm", cfg.provider, cfg.options, "llm")
    except UserError as exc:
        raise ValueError(f"llm: {exc}") from None
