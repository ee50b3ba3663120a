"""The per-bar pipeline shared by backtests, paper and live trading.

For each closed bar, in this order:

1. the gateway advances to the bar (resting orders fill at this bar's prices, never the bar they
   were placed on) and the fills, already persisted by the gateway's journal, are announced;
2. the bar is appended to the symbol's history, so agents see bars up to this one and no further;
3. risk rules may emit protective exits for an open position (stop-loss, take-profit);
4. agents produce signals (an agent that raises abstains), the decision engine resolves them;
5. an actionable decision becomes an order intent that passes the risk chain (a rule that raises
   rejects it) and goes to the gateway;
6. equity is marked to the bar's close.

The hot path calls components directly; pluggy is only used for lifecycle events, which happen at
decision points and on orders, not on every bar.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from ..domain import Action, Bar, Decision, Fill, Order, OrderIntent, Position, Side, Signal
from ..history import History
from ..risk import RiskContext, RiskRule
from .components import Components
from .decision import DecisionEngine
from .writer import BackgroundWriter

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000
EQUITY_FLUSH_ROWS = 5_000


class EventJournal:
    """Persists through the store's journal first, then tells lifecycle hooks.

    With a buffered (backtest) journal, an order or fill is flushed before observers hear of it,
    but only when some plugin observes ``on_order`` / ``on_fill``: the hook contract ("it is
    already persisted") holds, and runs nobody watches keep the speed of batched writes.
    """

    def __init__(self, inner: Any, hook: Any, run_id: str) -> None:
        self._inner = inner
        self._hook = hook
        self._run_id = run_id
        self._watch_orders = _has_impls(hook, "on_order")
        self._watch_fills = _has_impls(hook, "on_fill")

    @property
    def observed(self) -> bool:
        return self._watch_orders or self._watch_fills

    def record_order(self, order: Order) -> None:
        self._inner.record_order(order)
        if self._watch_orders:
            self._inner.flush()
            _notify(self._hook, "on_order", run_id=self._run_id, order=order)

    def record_fill(self, fill: Fill, position: Position) -> None:
        self._inner.record_fill(fill, position)
        if self._watch_fills:
            self._inner.flush()
            _notify(self._hook, "on_fill", run_id=self._run_id, fill=fill)

    def flush(self) -> None:
        self._inner.flush()


def _has_impls(hook: Any, name: str) -> bool:
    caller = getattr(hook, name, None) if hook is not None else None
    return bool(caller is not None and caller.get_hookimpls())


def _notify(hook: Any, name: str, **kwargs: Any) -> None:
    if hook is None:
        return
    try:
        getattr(hook, name)(**kwargs)
    except Exception:  # an observer must not stop trading
        log.exception("lifecycle hook %s raised", name)


@attrs.define
class RunState:
    """What the engine knows between bars; also what the live view shows."""

    bars: int = 0
    equity: float = 0.0
    peak_equity: float = 0.0
    day_start_equity: float = 0.0
    day: int = -1
    cash: float = 0.0
    last_decision: Decision | None = None
    orders: int = 0
    fills: int = 0
    rejections: int = 0
    halted: str | None = None
    prices: dict[str, float] = attrs.Factory(dict)
    positions: dict[str, float] = attrs.Factory(dict)


class Engine:
    """Runs bars through the components; see the module docstring for the order of steps."""

    def __init__(
        self,
        components: Components,
        decisions: DecisionEngine,
        *,
        store: Any,
        run_id: str,
        hook: Any = None,
        view: Any = None,
        buffered: bool = False,
    ) -> None:
        self.c = components
        self.decisions = decisions
        self.store = store
        self.run_id = run_id
        self.hook = hook
        self.view = view
        #: Backtests journal in batches; paper and live commit every order and fill (see
        #: ``storage.BufferedJournal``).
        self.buffered = buffered
        self.journal: Any = None
        self._store_journal: Any = None
        self._writer: BackgroundWriter | None = None
        self.state = RunState()
        self.histories: dict[str, History] = {}
        self.equity_rows: list[tuple[int, float, float]] = []
        self._pending_rows: list[tuple[int, float, float]] = []
        self._pending_decisions: list[Decision] = []
        self._pending: dict[str, str] = {}  # symbol -> id of an order not yet filled
        self._agent_errors: dict[str, int] = {}
        self._sync_agents = [
            (wa.name, wa.agent)
            for wa in components.agents
            if not inspect.iscoroutinefunction(wa.agent.on_bar)
        ]
        self._async_agents = [
            (wa.name, wa.agent)
            for wa in components.agents
            if inspect.iscoroutinefunction(wa.agent.on_bar)
        ]
        self._loop = asyncio.new_event_loop() if self._async_agents else None
        self._portfolio = None
        self._qty: dict[str, Decimal] = {}
        # Only rules that override on_bar can emit exits; skipping the others saves a call per
        # rule on every bar with an open position.
        self._exit_rules = [r for r in components.risk if type(r).on_bar is not RiskRule.on_bar]
        self._venue_on_bar = components.gateway.on_bar

    # -- setup ------------------------------------------------------------------------------------

    def start(self) -> None:
        journal = self.store.journal(self.run_id, buffered=self.buffered)
        self._store_journal = journal
        self.journal = EventJournal(journal, self.hook, self.run_id)
        if self.buffered and not self.journal.observed:
            # Observed journals flush on this thread before each hook; a writer thread could
            # then store a fill before the batch holding its order.
            self._writer = BackgroundWriter()
        self.c.gateway.start(self.journal)
        for wa in self.c.agents:
            wa.agent.reset()
        for rule in self.c.risk:
            rule.reset()
        self._refresh_portfolio()
        self.state.equity = self.state.peak_equity = self.state.day_start_equity = self.state.cash

    def _refresh_portfolio(self) -> None:
        pf = self.c.gateway.portfolio()
        self._portfolio = pf
        self.state.cash = float(pf.cash)
        self._qty = {s: p.quantity for s, p in pf.positions.items() if p.quantity}
        self.state.positions = {s: float(q) for s, q in self._qty.items()}

    # -- the loop ---------------------------------------------------------------------------------

    def warm_up(self, bars: Iterable[Bar]) -> None:
        """Show agents bars that closed before the run, without deciding or trading on them.

        A live run starts with the recent past so that indicators are ready on its first bar;
        acting on candles that closed before the run started would be trading on stale prices.
        """
        for bar in bars:
            history = self.histories.get(bar.symbol)
            if history is None:
                history = self.histories[bar.symbol] = History(bar.symbol)
            history.append(bar)
            self.state.prices[bar.symbol] = bar.close
            self._signals(bar, history)

    def run(self, bars: Iterable[Bar], warmup: Iterable[Bar] = ()) -> None:
        self.start()
        self.warm_up(warmup)
        try:
            for bar in bars:
                self.on_bar(bar)
        finally:
            try:
                self.flush()
            finally:
                if self._writer is not None:
                    self._writer.close()
                if self._loop is not None:
                    self._loop.close()

    def on_bar(self, bar: Bar) -> None:
        state = self.state
        symbol = bar.symbol

        # 1. the venue moves to this bar: resting orders may fill now, at this bar's prices.
        fills = self._venue_on_bar(bar)
        if fills:
            state.fills += len(fills)
            for fill in fills:
                if self._pending.get(fill.symbol) == fill.order_id:
                    del self._pending[fill.symbol]
            self._refresh_portfolio()
        elif symbol in self._pending:
            self._forget_settled(symbol)

        # 2. history up to and including this bar.
        history = self.histories.get(symbol)
        if history is None:
            history = self.histories[symbol] = History(symbol)
        history.append(bar)
        state.prices[symbol] = bar.close
        state.bars += 1

        equity = self._mark()
        day = bar.ts // _DAY_MS
        if day != state.day:
            state.day = day
            state.day_start_equity = equity

        # 3. protective exits for an open position.
        if self._exit_rules and symbol in self._qty and symbol not in self._pending:
            ctx = self._risk_context(bar.ts)
            for rule in self._exit_rules:
                try:
                    exits = list(rule.on_bar(bar, ctx))
                except Exception:
                    log.exception("risk rule %s failed in on_bar", getattr(rule, "name", rule))
                    continue
                if exits:
                    self._execute(exits[0], ctx)
                    break

        # 4. agents and the decision engine.
        signals = self._signals(bar, history)
        position = 0
        qty = self._qty.get(symbol)
        if qty:
            position = 1 if qty > 0 else -1
        decision = self.decisions.decide(bar, signals, position)
        if decision is not None:
            self._on_decision(decision, bar)

        # 6. equity at the close: marked above; orders placed on this bar fill on the next one,
        # so nothing since has changed cash or positions.
        rows = self._pending_rows
        if rows and rows[-1][0] == bar.ts:
            rows[-1] = (bar.ts, equity, state.cash)  # several symbols share one timestamp
        else:
            rows.append((bar.ts, equity, state.cash))
        if len(rows) >= EQUITY_FLUSH_ROWS:
            self.flush(keep_last=True)
        if self.view is not None:
            self.view.update(self, bar)

    def _mark(self) -> float:
        """Mark equity to the last prices (cash and positions change only with fills)."""
        state = self.state
        equity = state.cash
        if self._qty:
            prices = state.prices
            for sym, qty in state.positions.items():
                equity += qty * prices.get(sym, 0.0)
        state.equity = equity
        if equity > state.peak_equity:
            state.peak_equity = equity
        return equity

    def _forget_settled(self, symbol: str) -> None:
        """Drop the pending mark of an order that ended without a fill (canceled, rejected)."""
        order_id = self._pending[symbol]
        if not any(o.id == order_id for o in self.c.gateway.open_orders()):
            del self._pending[symbol]
            self._refresh_portfolio()

    def _signals(self, bar: Bar, history: History) -> list[Signal]:
        signals: list[Signal] = []
        for name, agent in self._sync_agents:
            try:
                sig = agent.on_bar(bar, history)
            except Exception as exc:
                self._agent_failed(name, exc)
                continue
            if sig is not None:
                signals.append(sig if sig.agent == name else attrs.evolve(sig, agent=name))
        if self._async_agents:
            signals.extend(self._async_signals(bar, history))
        return signals

    def _async_signals(self, bar: Bar, history: History) -> list[Signal]:
        async def gather():
            return await asyncio.gather(
                *(agent.on_bar(bar, history) for _, agent in self._async_agents),
                return_exceptions=True,
            )

        out = []
        results = self._loop.run_until_complete(gather())
        for (name, _), res in zip(self._async_agents, results, strict=True):
            if isinstance(res, BaseException):
                if not isinstance(res, Exception):
                    raise res
                self._agent_failed(name, res)
            elif res is not None:
                out.append(res if res.agent == name else attrs.evolve(res, agent=name))
        return out

    def _agent_failed(self, name: str, exc: Exception) -> None:
        count = self._agent_errors.get(name, 0) + 1
        self._agent_errors[name] = count
        if count == 1:
            log.warning("agent %s raised, abstaining: %r", name, exc, exc_info=exc)
        else:
            log.debug("agent %s raised again (%d times): %r", name, count, exc)

    def _risk_context(self, ts: int) -> RiskContext:
        s = self.state
        return RiskContext(
            ts, self._portfolio, s.prices, s.equity, s.peak_equity, s.day_start_equity
        )

    def _on_decision(self, decision: Decision, bar: Bar) -> None:
        self.state.last_decision = decision
        self._pending_decisions.append(decision)
        if decision.action is Action.HOLD:
            return
        _notify(self.hook, "on_decision", run_id=self.run_id, decision=decision)
        if bar.symbol in self._pending:
            return
        qty = self._qty.get(bar.symbol)
        if decision.action is Action.BUY:
            intent = OrderIntent(bar.symbol, Side.BUY, bar.ts, reason=decision.rationale[:200])
        elif qty and qty > 0:
            intent = OrderIntent(
                bar.symbol,
                Side.SELL,
                bar.ts,
                quantity=qty,
                reduce_only=True,
                reason=decision.rationale[:200],
            )
        else:
            return  # long-only: a sell while flat opens nothing
        self._execute(intent, self._risk_context(bar.ts))

    def _execute(self, intent: OrderIntent, ctx: RiskContext) -> Order | None:
        """Run ``intent`` through the risk chain and, if it survives, send it to the gateway."""
        for rule in self.c.risk:
            name = getattr(rule, "name", type(rule).__name__)
            try:
                verdict = rule.check(intent, ctx)
            except Exception as exc:
                log.warning("risk rule %s raised; rejecting %s", name, intent, exc_info=exc)
                self.state.rejections += 1
                return None
            if not verdict.approved:
                log.info(
                    "risk rule %s rejected %s %s: %s",
                    name,
                    intent.side.value,
                    intent.symbol,
                    verdict.reason,
                )
                self.state.rejections += 1
                return None
            intent = verdict.intent
        if intent.quantity is None or intent.quantity <= 0:
            log.info("no risk rule sized %s %s; not sent", intent.side.value, intent.symbol)
            self.state.rejections += 1
            return None
        if not self.buffered:  # an order is never persisted before the decision behind it
            self._flush_decisions()
        order = self.c.gateway.submit(intent)
        self.state.orders += 1
        if not order.status.is_terminal:
            self._pending[order.symbol] = order.id
        self._refresh_portfolio()
        return order

    def _flush_decisions(self) -> None:
        if self._pending_decisions:
            self.store.record_decisions(self.run_id, self._pending_decisions)
            self._pending_decisions = []

    def flush(self, keep_last: bool = False) -> None:
        """Write buffered decisions, journal entries and equity rows; ``keep_last`` holds back
        the newest equity row, which another symbol's bar at the same timestamp may still
        update. Backtests hand the batch to the writer thread; paper and live write it here."""
        rows = self._pending_rows
        done, rest = (rows[:-1], rows[-1:]) if keep_last else (rows, [])
        self._pending_rows = rest
        self.equity_rows.extend(done)
        decisions, self._pending_decisions = self._pending_decisions, []
        batch = self._store_journal.take() if self.buffered and self._store_journal else None
        if self._writer is not None:
            self._writer.submit(self._write, decisions, batch, done)
        else:
            self._write(decisions, batch, done)

    def _write(self, decisions: list[Decision], batch: Any, rows: list) -> None:
        if decisions:
            self.store.record_decisions(self.run_id, decisions)
        if batch is not None:
            self.store.write_journal(batch)
        if rows:
            self.store.record_equity(self.run_id, rows)


def monotonic_seconds() -> float:
    return time.perf_counter()
