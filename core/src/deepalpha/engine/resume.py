"""Resuming a paper or live run after a crash: replay what was stored, then trade on.

A run of a book (``<mode>:<app.name>``) that is still ``running`` when the next run of that book
starts was killed. The next run takes it over (same run id) by running the engine again from the
run's first bar with everything it started from (the decision engine's weights and memory as they
were when the run started, kept in the run's ``start`` event), against the records the run stored:

- the journal (``CatchUpJournal``) checks each order state and fill the replay produces against
  the stored ones, in commit order, and writes nothing while they agree; the first record past
  the end of the stored log is the first thing the killed run never did, and from there on every
  record is written (the crash may have fallen inside a bar: the bar is finished, not redone);
- decisions and equity rows already stored are not written again (their count and last time are
  known), so the resumed series is the one an uninterrupted run would have stored;
- hooks are not told again about what they were already told.

Replaying rebuilds everything the run knew without a second copy of each component's state:
agents' indicators, the decision engine's learned weights, pending scores and last votes, risk
rules' marks, peak and daily equity, the venue's cash, positions, resting orders and id sequences.
A deterministic run (a replayed feed, recorded LLM answers) therefore ends exactly as if it had
never been killed.

Before the first bar past the stored ones (``cursor``) is traded, the venue is reconciled with the
database (``Gateway.reconcile`` when the gateway has it): every difference is logged, stored in a
``reconciled`` run event, and the stored state wins. If the replay disagrees with the stored
records before then (another configuration, other data, a model answering differently), the
journal stops checking and writing (``diverged``), and the venue is rebuilt from the database at
the cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..domain import Decision, Fill, Order, Position

log = logging.getLogger(__name__)

#: Ids of orders the engine stored itself as rejected, never sent to the venue: no quantity
#: could be sized (``unsized-N``), or a risk rule or the trading state refused it (``risk-N``).
UNSIZED_PREFIX = "unsized-"
RISK_PREFIX = "risk-"
UNSENT_PREFIXES = (UNSIZED_PREFIX, RISK_PREFIX)


@attrs.define
class ResumePoint:
    """What a killed run had stored, as the resumed run replays against it."""

    run_id: str
    #: Order states and fills as committed (``Store.journal_log``).
    events: list[Any]
    fills: list[Fill]
    #: (symbol, ts, action) of every stored decision, in order.
    decisions: list[tuple[str, int, str]]
    #: Newest stored equity row's time, or ``None``.
    equity_ts: int | None
    #: Newest bar time anything was stored at: the venue is reconciled before the first bar
    #: after it.
    cursor: int | None

    @classmethod
    def load(cls, store: Any, run_id: str) -> ResumePoint:
        events, fills = store.journal_log(run_id)
        decisions = [(d.symbol, d.ts, d.action.value) for d in store.decisions(run_id)]
        return cls(
            run_id,
            events,
            fills,
            decisions,
            store.last_equity_ts(run_id),
            store.last_bar_ts(run_id),
        )

    def describe(self) -> dict[str, Any]:
        """What was found, for the ``resumed`` run event and the log."""
        last: dict[str, Any] = {}
        for e in self.events:
            last[e.order_id] = e
        resting = sorted(oid for oid, e in last.items() if not e.status.is_terminal)
        return {
            "order_events": len(self.events),
            "orders": len(last),
            "open_orders": resting,
            "fills": len(self.fills),
            "decisions": len(self.decisions),
            "last_equity_ts": self.equity_ts,
            "last_bar_ts": self.cursor,
        }


def _same_event(event: Any, order: Order) -> bool:
    return (
        event.order_id == order.id
        and event.status is order.status
        and event.filled_quantity == order.filled_quantity
    )


def _same_fill(stored: Fill, fill: Fill) -> bool:
    return stored == fill


class CatchUpJournal:
    """A journal that checks a replay against the stored log and writes only what is new.

    Each method returns whether the record was written (``False`` while replaying: it was
    already stored, or the replay diverged and writes are held until the venue is reconciled).
    """

    def __init__(self, inner: Any, point: ResumePoint) -> None:
        self._inner = inner
        self._events = point.events
        self._fills = point.fills
        self._e = 0
        self._f = 0
        self._forced_live = False
        #: Why the replay stopped matching the stored records, or ``None``.
        self.diverged: str | None = None
        #: Records the replay reproduced exactly.
        self.verified = 0

    @property
    def consumed(self) -> bool:
        return self._e >= len(self._events) and self._f >= len(self._fills)

    @property
    def live(self) -> bool:
        return self._forced_live or (self.diverged is None and self.consumed)

    def go_live(self) -> None:
        """Write everything from now on (called once the venue is reconciled)."""
        self._forced_live = True

    def diverge(self, why: str) -> None:
        if self.diverged is None and not self.live:
            self.diverged = why
            log.warning("resume: the replay differs from the stored run (%s)", why)

    def _stored_event(self, order: Order) -> bool:
        """Consume the stored event ``order`` reproduces; ``False`` when the log has none."""
        if self._e >= len(self._events):
            return False
        event = self._events[self._e]
        if not _same_event(event, order):
            self.diverge(
                f"order {order.id} {order.status.value} {order.filled_quantity}; stored next: "
                f"{event.order_id} {event.status.value} {event.filled_quantity}"
            )
            return True
        self._e += 1
        self.verified += 1
        return True

    def record_order(self, order: Order) -> bool:
        if self.live:
            self._inner.record_order(order)
            return True
        if self.diverged is not None:
            return False
        if self._stored_event(order):
            return False
        self.diverge(f"order {order.id} {order.status.value}: the stored log has fills left")
        return False

    def record_execution(self, fill: Fill, position: Position, order: Order) -> bool:
        if self.live:
            self._inner.record_execution(fill, position, order)
            return True
        if self.diverged is not None:
            return False
        if self._f >= len(self._fills):
            self.diverge(f"fill {fill.id}: the stored log has order states left, not this fill")
            return False
        stored = self._fills[self._f]
        if not _same_fill(stored, fill):
            self.diverge(f"fill {fill.id} {fill.quantity} @ {fill.price}; stored next: {stored}")
            return False
        self._f += 1
        self.verified += 1
        if self._stored_event(order):
            return False
        # Stored by an older release, which committed the fill and its order's state
        # separately: the process died in between. Write the state now.
        self._inner.record_order(order)
        return True

    def record_fill(self, fill: Fill, position: Position) -> bool:
        if self.live:
            self._inner.record_fill(fill, position)
            return True
        if self.diverged is not None:
            return False
        if self._f < len(self._fills) and _same_fill(self._fills[self._f], fill):
            self._f += 1
            self.verified += 1
            return False
        self.diverge(f"fill {fill.id} is not the next stored fill")
        return False

    def flush(self) -> None:
        self._inner.flush()


class SnapshotStore:
    """The store as the decision engine of a resumed run sees it.

    ``load_decision_state`` answers with the weights and memory the run *started* from (the
    replay learns the rest again, exactly as the run did); ``save_decision_state`` leaves out
    remembered decisions the book already holds, so replaying does not store them twice.
    """

    def __init__(self, store: Any, book: str, snapshot: Mapping[str, Any]) -> None:
        self._store = store
        self._weights = [dict(r) for r in snapshot.get("weights", ())]
        self._memory = [dict(r) for r in snapshot.get("memory", ())]
        self._known = store.memory_keys(book)

    def load_decision_state(self, book: str, memory_size: int) -> tuple[list, list]:
        by_symbol: dict[str, list[dict[str, Any]]] = {}
        for row in self._memory:
            by_symbol.setdefault(row["symbol"], []).append(row)
        memory = [r for rows in by_symbol.values() for r in rows[-memory_size:]]
        return [dict(r) for r in self._weights], [dict(r) for r in memory] if memory_size else []

    def save_decision_state(
        self, book: str, weights: Sequence[Any], memory: Sequence[Any], memory_size: int
    ) -> None:
        known = self._known
        fresh = [m for m in memory if (_get(m, "symbol"), int(_get(m, "ts"))) not in known]
        self._store.save_decision_state(book, weights, fresh, memory_size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def decision_state(store: Any, book: str, memory_size: int) -> dict[str, Any]:
    """The book's decision state now, as the ``start`` event keeps it (JSON-ready)."""
    weights, memory = store.load_decision_state(book, memory_size)
    return {"weights": weights, "memory": memory}


def check_decisions(
    point: ResumePoint, offset: int, decisions: Sequence[Decision]
) -> tuple[list[Decision], str | None]:
    """Split ``decisions`` (the replay's, starting at index ``offset`` of the run's) into those
    still to store; the second item says why the replay differs from the stored ones, if it does.
    """
    stored = point.decisions
    new: list[Decision] = []
    problem = None
    for i, d in enumerate(decisions, start=offset):
        if i < len(stored):
            if problem is None and stored[i] != (d.symbol, d.ts, d.action.value):
                problem = (
                    f"decision {i + 1}: {d.symbol} {d.ts} {d.action.value}, stored {stored[i]}"
                )
        else:
            new.append(d)
    return new, problem
