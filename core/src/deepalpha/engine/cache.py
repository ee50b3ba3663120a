"""The decision cache: a decision point that looks like a recent one reuses its decision.

The key is the symbol plus a fingerprint of the signals (agent, direction, strength and confidence
rounded to two decimals, veto; in the order the agents answered) and the position's sign. Age is
measured on the bars' clock: an entry stamped at bar ``ts`` is valid while
``0 <= bar.ts - ts < ttl``. Wall time never enters, so a backtest that hits the cache hits it
identically on every run, however long the LLM took.

Two backends with one interface: ``MemoryCache`` (in the process, the default) and ``RedisCache``
(``decision.cache.url``), which lets several processes of one book share decisions. A Redis error
while trading counts as a miss (logged once): the cache saves model calls, it must never stop a
run. Redis keys are namespaced by the book and a digest of the decision settings, so a changed
threshold or another LLM never reuses an old answer; a run without a book gets a namespace of its
own, so backtests never see each other's entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import attrs

from ..domain import Signal
from ..errors import UserError

log = logging.getLogger(__name__)

#: Wall-clock lifetime of a Redis entry: garbage collection only (validity is in bar time), long
#: enough that no run's entries expire under it while the run can still hit them.
REDIS_EXPIRE_SECONDS = 7 * 86_400
#: Entries the in-process cache holds before it drops the expired ones.
MEMORY_PRUNE_AT = 4096


def fingerprint(signals: Sequence[Signal], position: int) -> tuple:
    """Hashable summary of what a decision point was decided from: the position and, per signal
    in the order the agents answered (fixed by the pipeline), agent, direction, strength and
    confidence in hundredths (rounded half up) and the veto."""
    key: list = [position]
    for s in signals:
        key += (s.agent, s.direction, int(s.strength * 100 + 0.5), int(s.confidence * 100 + 0.5))
        if s.veto:
            key.append("veto")
    return tuple(key)


@attrs.frozen(slots=True)
class CachedDecision:
    """What a hit hands back: the decided action and why, and the bar it was decided at."""

    ts: int
    action: str
    confidence: float
    rationale: str
    source: str
    explanation: dict[str, Any] | None = attrs.field(default=None, hash=False)

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self), separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> CachedDecision:
        return cls(**json.loads(text))


class DecisionCache(Protocol):
    """Where cached decisions live. ``now`` and stamps are bar timestamps (epoch ms)."""

    ttl_ms: int

    def get(self, symbol: str, key: tuple, now: int) -> CachedDecision | None: ...

    def put(self, symbol: str, key: tuple, value: CachedDecision) -> None: ...

    def close(self) -> None: ...


class MemoryCache:
    """The default: a dict in the process."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_ms = round(ttl_seconds * 1000)
        self._entries: dict[tuple[str, tuple], CachedDecision] = {}

    def get(self, symbol: str, key: tuple, now: int) -> CachedDecision | None:
        hit = self._entries.get((symbol, key))
        if hit is None or not 0 <= now - hit.ts < self.ttl_ms:
            return None
        return hit

    def put(self, symbol: str, key: tuple, value: CachedDecision) -> None:
        entries = self._entries
        entries[(symbol, key)] = value
        if len(entries) > MEMORY_PRUNE_AT:
            now, ttl = value.ts, self.ttl_ms
            for k in [k for k, v in entries.items() if not 0 <= now - v.ts < ttl]:
                del entries[k]

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        self._entries.clear()


class RedisCache:
    """The cache in Redis (``redis`` package, imported only when configured)."""

    def __init__(self, url: str, ttl_seconds: float, namespace: str, *, client: Any = None):
        self.ttl_ms = round(ttl_seconds * 1000)
        self.url = url
        self.namespace = namespace
        self._warned = False
        if client is None:
            try:
                import redis
            except ImportError:  # pragma: no cover - the package is pinned in dev.lock
                raise UserError(
                    "decision.cache.url is set but the 'redis' package is not installed "
                    "(pip install redis)"
                ) from None
            client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
            try:
                client.ping()
            except Exception as exc:
                client.close()
                raise UserError(
                    f"decision.cache.url: cannot reach Redis at {_mask(url)}: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
        self._client = client

    def _key(self, symbol: str, key: tuple) -> str:
        digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
        return f"deepalpha:decision:{self.namespace}:{symbol}:{digest}"

    def get(self, symbol: str, key: tuple, now: int) -> CachedDecision | None:
        try:
            raw = self._client.get(self._key(symbol, key))
        except Exception as exc:
            self._failed("get", exc)
            return None
        if raw is None:
            return None
        try:
            hit = CachedDecision.from_json(raw)
        except (ValueError, TypeError) as exc:
            self._failed("decode", exc)
            return None
        if not 0 <= now - hit.ts < self.ttl_ms:
            return None
        return hit

    def put(self, symbol: str, key: tuple, value: CachedDecision) -> None:
        try:
            self._client.set(self._key(symbol, key), value.to_json(), ex=REDIS_EXPIRE_SECONDS)
        except Exception as exc:
            self._failed("set", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "decision cache: Redis %s failed at %s (treated as a miss): %s",
                what,
                _mask(self.url),
                exc,
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection is not worth an error
            self._client.close()


def _mask(url: str) -> str:
    """The URL with any password replaced by ``***`` (``redis://:pw@host`` included)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}:***@{host}"


def settings_digest(*parts: object) -> str:
    """Short digest of the settings a cached decision depends on (part of Redis keys)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=6).hexdigest()
