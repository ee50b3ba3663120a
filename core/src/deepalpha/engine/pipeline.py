"""The per-bar pipeline shared by backtests, paper and live trading.

For each closed bar, in this order:

1. the gateway advances to the bar (resting orders fill at this bar's prices, never the bar they
   were placed on) and the fills, already persisted by the gateway's journal, are announced;
2. the bar is appended to the symbol's history, so agents see bars up to this one and no further;
3. risk rules may emit protective exits for an open position (stop-loss, take-profit);
4. the symbol's own agent instances produce signals (an agent that raises abstains; in paper and
   live runs one that overruns its time budget abstains too), the decision engine resolves them;
5. an actionable decision becomes an order intent through the trading policy (``policy.py``), passes
   the risk chain (a rule that raises rejects it) and goes to the gateway;
6. equity is marked to the bar's close.

Every symbol gets its own instance of every agent (built from the plugin's factory on the symbol's
first bar), so no indicator ever mixes two symbols' prices. What is held lives in one place, the
``Account``.

The hot path calls components directly; pluggy is only used for lifecycle events, which happen at
decision points and on orders, not on every bar.

Paper and live runs write their buffered decisions and equity rows at least every
``PAPER_FLUSH_SECONDS`` (and before each order), so a kill loses at most that much equity history;
a resumed run (``resume.py``) writes the rest again. Every order the venue rejects or cancels is
counted in the run's stats and logged with the venue's reason; an entry no risk rule could size
is stored as a rejected order with the reason rather than dropped.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs

from ..config.schema import TradingConfig
from ..data import BarSeries
from ..domain import (
    ZERO,
    Action,
    Bar,
    Decision,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    Position,
    Signal,
)
from ..history import History, Market
from ..risk import RiskContext, RiskRule
from ..risk_state import StateFile, TradingState, describe, filter_intent, orders_to_cancel
from .account import Account
from .components import Components
from .decision import DecisionEngine
from .policy import TradingPolicy
from .resume import (
    RISK_PREFIX,
    UNSENT_PREFIXES,
    UNSIZED_PREFIX,
    CatchUpJournal,
    ResumePoint,
    check_decisions,
)
from .writer import BackgroundWriter

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000
EQUITY_FLUSH_ROWS = 5_000
#: Paper and live runs store their equity rows and decisions at least this often (wall clock).
PAPER_FLUSH_SECONDS = 1.0


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
        #: Orders the venue refused (``REJECTED``) and orders that ended ``CANCELED``.
        self.rejected = 0
        self.canceled = 0

    @property
    def observed(self) -> bool:
        return self._watch_orders or self._watch_fills

    def record_order(self, order: Order) -> None:
        written = self._inner.record_order(order)
        status = order.status
        if status is OrderStatus.REJECTED or status is OrderStatus.CANCELED:
            self._refused(order, written is not False)
        if self._watch_orders and written is not False:
            self._inner.flush()
            _notify(self._hook, "on_order", run_id=self._run_id, order=order)

    def _refused(self, order: Order, tell: bool) -> None:
        if order.status is OrderStatus.REJECTED:
            self.rejected += 1
            what = "rejected"
        else:
            self.canceled += 1
            what = "canceled"
        if tell:
            log.warning(
                "order %s %s %s %s %s: %s",
                order.id,
                order.side.value,
                order.quantity,
                order.symbol,
                what,
                order.reason or "no reason given",
            )

    def record_fill(self, fill: Fill, position: Position) -> None:
        written = self._inner.record_fill(fill, position)
        if self._watch_fills and written is not False:
            self._inner.flush()
            _notify(self._hook, "on_fill", run_id=self._run_id, fill=fill)

    def record_execution(self, fill: Fill, position: Position, order: Order) -> None:
        """A fill, the position after it and its order's new state, in one transaction."""
        record = getattr(self._inner, "record_execution", None)
        if record is None:
            self.record_fill(fill, position)
            self.record_order(order)
            return
        written = record(fill, position, order)
        if written is False or not (self._watch_fills or self._watch_orders):
            return
        self._inner.flush()
        if self._watch_fills:
            _notify(self._hook, "on_fill", run_id=self._run_id, fill=fill)
        if self._watch_orders:
            _notify(self._hook, "on_order", run_id=self._run_id, order=order)

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
    """What the engine knows between bars; also what the live view shows. Holdings live in the
    engine's ``Account``, not here."""

    bars: int = 0
    equity: float = 0.0
    peak_equity: float = 0.0
    day_start_equity: float = 0.0
    day: int = -1
    last_decision: Decision | None = None
    orders: int = 0
    fills: int = 0
    rejections: int = 0
    halted: str | None = None
    prices: dict[str, float] = attrs.Factory(dict)


class _SymbolAgents:
    """One symbol's own agent instances, split by how they are called."""

    __slots__ = ("async_", "busy", "sync")

    def __init__(self, agents: list[tuple[str, Any]]) -> None:
        self.sync = [(n, a) for n, a in agents if not inspect.iscoroutinefunction(a.on_bar)]
        self.async_ = [(n, a) for n, a in agents if inspect.iscoroutinefunction(a.on_bar)]
        #: Budgeted runs: agent name -> the still-running call of a synchronous agent.
        self.busy: dict[str, Future] = {}


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
        trading: TradingConfig | None = None,
        timeframe: str | None = None,
        series: Mapping[str, BarSeries] | None = None,
        agent_budget: float | None = None,
        symbols: tuple[str, ...] = (),
        resume: ResumePoint | None = None,
        book: str | None = None,
        state_dir: Any = None,
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
        self.account = Account(components.gateway)
        self.policy = components.policy or TradingPolicy(
            trading or TradingConfig(),
            gateway_allows_short=bool(getattr(components.gateway, "allows_short", False)),
        )
        self.timeframe = timeframe
        #: The source's columns per symbol: histories become views of them (no copying per bar).
        self._series = dict(series or {})
        self.histories: dict[str, History] = {}
        self.market = Market(self.histories)
        #: The kill switch (``deepalpha halt``): a paper or live run reads its book's trading
        #: state before every order and once per bar; a backtest has no book and none.
        self._book = book
        self._states = StateFile(state_dir) if book is not None and state_dir is not None else None
        self._halt_seen: tuple[str, int] | None = None
        #: Fills in the order they happened, for the run's metrics (no re-reading the database).
        self.fills: list[Fill] = []
        self.equity_rows: list[tuple[int, float, float]] = []
        self._pending_rows: list[tuple[int, float, float]] = []
        self._pending_decisions: list[Decision] = []
        self._agent_errors: dict[str, int] = {}
        self._agents: dict[str, _SymbolAgents] = {}
        self._first_instances = {wa.name: wa.agent for wa in components.agents}
        self._any_async = any(
            inspect.iscoroutinefunction(wa.agent.on_bar) for wa in components.agents
        )
        #: Seconds an agent may take on a bar before abstaining (paper/live); None: no limit.
        self._budget = agent_budget
        self._pool: ThreadPoolExecutor | None = None
        self._initial_equity = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        # Only rules that override on_bar can emit exits; skipping the others saves a call per
        # rule on every bar with an open position.
        self._exit_rules = [r for r in components.risk if type(r).on_bar is not RiskRule.on_bar]
        self._venue_on_bar = components.gateway.on_bar
        #: Symbols known before their first bar: their histories and agents exist from the start,
        #: so ``history.market`` lists every symbol of the run from the first bar on.
        self._symbols = tuple(symbols)
        #: A killed run being replayed (``resume.py``); ``None`` once the venue is reconciled.
        self._resume = resume
        self._catch_up: CatchUpJournal | None = None
        #: Decisions of the run handed to storage so far (stored or, while replaying, skipped).
        self._decisions_seen = 0
        self._unsent = 0
        self._risk_rejections = 0
        self._flush_every = None if buffered else PAPER_FLUSH_SECONDS
        self._flushed_at = time.monotonic()
        #: What reconciling the venue found (``None``: not resumed, or not yet reconciled).
        self.reconciled: dict[str, Any] | None = None
        #: A resumed run's decisions and equity rows already stored (not written again).
        self._stored_decision_count = len(resume.decisions) if resume is not None else 0
        self._equity_stored_until = resume.equity_ts if resume is not None else None

    # -- setup ------------------------------------------------------------------------------------

    def start(self) -> None:
        journal = self.store.journal(self.run_id, buffered=self.buffered)
        self._store_journal = journal
        if self._resume is not None:
            journal = self._catch_up = CatchUpJournal(journal, self._resume)
        self.journal = EventJournal(journal, self.hook, self.run_id)
        if self.buffered and not self.journal.observed:
            # Observed journals flush on this thread before each hook; a writer thread could
            # then store a fill before the batch holding its order.
            self._writer = BackgroundWriter()
        if self._any_async or self._budget is not None:
            self._loop = asyncio.new_event_loop()
        if self._budget is not None:
            self._pool = ThreadPoolExecutor(thread_name_prefix="deepalpha-agent")
        self.c.gateway.start(self.journal)
        #: A gateway that reconciles itself with a venue (on start, after a reconnect) lists
        #: what it found in ``reconciliations``; new entries are stored as a ``venue_reconciled``
        #: run event (``reconciled`` is resume's own check of the replay).
        self._venue_reconciliations = getattr(self.c.gateway, "reconciliations", None)
        self._reconciliations_stored = 0
        self._store_reconciliations("start")
        for rule in self.c.risk:
            rule.reset()
        for symbol in self._symbols:
            if symbol not in self.histories:
                self._symbol(symbol)
        self.account.refresh()
        state = self.state
        state.equity = state.peak_equity = state.day_start_equity = self.account.cash
        self._initial_equity = self.account.mark(state.prices)

    def _symbol(self, symbol: str) -> tuple[History, _SymbolAgents]:
        """The symbol's history and agent instances, made on its first bar."""
        series = self._series.get(symbol)
        if series is not None:
            history = History.over(series, market=self.market)
        else:
            history = History(symbol, timeframe=self.timeframe, market=self.market)
        self.histories[symbol] = history
        instances = []
        for wa in self.c.agents:
            # The instance built while checking the configuration serves the first symbol.
            agent = self._first_instances.pop(wa.name, None) or wa.new()
            if any(
                agent is other
                for agents in self._agents.values()
                for _, other in agents.sync + agents.async_
            ):
                raise TypeError(
                    f"agents.{wa.name}: the plugin's factory returned the same object for two "
                    "symbols; the engine needs one instance per symbol (return a new agent on "
                    "every call)"
                )
            agent.reset()
            instances.append((wa.name, agent))
        agents = self._agents[symbol] = _SymbolAgents(instances)
        return history, agents

    # -- the loop ---------------------------------------------------------------------------------

    def warm_up(self, bars: Iterable[Bar]) -> None:
        """Show agents bars that closed before the run, without deciding or trading on them.

        A live run starts with the recent past so that indicators are ready on its first bar;
        acting on candles that closed before the run started would be trading on stale prices.
        """
        for bar in bars:
            history = self.histories.get(bar.symbol)
            if history is None:
                history, agents = self._symbol(bar.symbol)
            else:
                agents = self._agents[bar.symbol]
            history.append(bar)
            self.state.prices[bar.symbol] = bar.close
            self._signals(bar, history, agents)

    def run(self, bars: Iterable[Bar], warmup: Iterable[Bar] = ()) -> None:
        self.start()
        failed = False
        try:
            self.warm_up(warmup)
            for bar in bars:
                self.on_bar(bar)
            if self._resume is not None:
                self.end_recovery()
        except BaseException:
            failed = True
            raise
        finally:
            try:
                if failed:
                    # The first error is what matters (a database that stopped answering
                    # fails every later write too): never chain a second one onto it.
                    try:
                        self.flush()
                    except Exception as exc:
                        log.debug("flush after a failure failed too: %r", exc)
                else:
                    self.flush()
            finally:
                if self._writer is not None:
                    self._writer.close()
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                if self._loop is not None:
                    self._loop.close()

    def on_bar(self, bar: Bar) -> None:
        state = self.state
        account = self.account
        symbol = bar.symbol
        if self._resume is not None:
            self._recovering(bar)
        if self._states is not None:
            self._apply_trading_state()
        found = self._venue_reconciliations
        if found is not None and len(found) > self._reconciliations_stored:
            self._store_reconciliations("venue")

        # 1. the venue moves to this bar: resting orders may fill now, at this bar's prices.
        fills = self._venue_on_bar(bar)
        if fills:
            state.fills += len(fills)
            self.fills.extend(fills)
            account.filled(fills)
        elif account.pending(symbol):
            account.settle_unfilled(symbol)

        # 2. history up to and including this bar.
        history = self.histories.get(symbol)
        if history is None:
            history, agents = self._symbol(symbol)
        else:
            agents = self._agents[symbol]
        history.append(bar)
        state.prices[symbol] = bar.close
        state.bars += 1

        equity = self._mark()
        day = bar.ts // _DAY_MS
        if day != state.day:
            state.day = day
            state.day_start_equity = equity

        # 3. protective exits for an open position.
        if self._exit_rules and account.holds(symbol) and not account.pending(symbol):
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

        # 4. this symbol's agents and the decision engine.
        signals = self._signals(bar, history, agents)
        decision = self.decisions.decide(bar, signals, account.side(symbol))
        if decision is not None:
            self._on_decision(decision, bar)

        # 6. equity at the close: marked above; orders placed on this bar fill on the next one,
        # so nothing since has changed cash or positions.
        rows = self._pending_rows
        if rows and rows[-1][0] == bar.ts:
            rows[-1] = (bar.ts, equity, account.cash)  # several symbols share one timestamp
        else:
            rows.append((bar.ts, equity, account.cash))
        if len(rows) >= EQUITY_FLUSH_ROWS:
            self.flush(keep_last=True)
        elif self._flush_every is not None:
            now = time.monotonic()
            if now - self._flushed_at >= self._flush_every:
                self._flushed_at = now
                self.flush(keep_last=True)
        if self.view is not None:
            self.view.update(self, bar)

    def _mark(self) -> float:
        """Mark equity to the last prices (cash and positions change only with fills)."""
        state = self.state
        account = self.account
        equity = account.mark(state.prices) if account.invested else account.cash
        state.equity = equity
        if equity > state.peak_equity:
            state.peak_equity = equity
        return equity

    # -- agents -----------------------------------------------------------------------------------

    def _signals(self, bar: Bar, history: History, agents: _SymbolAgents) -> list[Signal]:
        if self._budget is not None:
            return self._budgeted_signals(bar, history, agents)
        signals: list[Signal] = []
        for name, agent in agents.sync:
            try:
                sig = agent.on_bar(bar, history)
            except Exception as exc:
                self._agent_failed(name, exc)
                continue
            if sig is not None:
                self._accept(name, bar, sig, signals)
        if agents.async_:
            self._collect(agents.async_, bar, self._await_all(agents.async_, bar, history), signals)
        return signals

    def _budgeted_signals(self, bar: Bar, history: History, agents: _SymbolAgents) -> list[Signal]:
        """Paper/live: every agent gets ``budget`` seconds, all of them concurrently.

        A synchronous agent runs on a worker thread; one that overran is left to finish and is not
        called again until it has (calling it meanwhile would race with its own state). A coroutine
        that overran is cancelled.
        """
        budget = self._budget
        calls: list[tuple[str, Any]] = []
        for name, agent in agents.sync:
            running = agents.busy.get(name)
            if running is not None:
                if not running.done():
                    self._agent_slow(name, bar, still_running=True)
                    continue
                del agents.busy[name]
            calls.append((name, self._pool.submit(agent.on_bar, bar, history)))
        for name, agent in agents.async_:
            calls.append((name, agent.on_bar(bar, history)))

        async def run_all() -> list[Any]:
            tasks = [
                asyncio.wrap_future(c) if isinstance(c, Future) else asyncio.ensure_future(c)
                for _, c in calls
            ]
            _, pending = await asyncio.wait(tasks, timeout=budget)
            for task in pending:
                task.cancel()
            out = []
            for task in tasks:
                if task in pending:
                    out.append(_Overran())
                elif task.exception() is not None:
                    out.append(task.exception())
                else:
                    out.append(task.result())
            return out

        signals: list[Signal] = []
        results = self._loop.run_until_complete(run_all()) if calls else []
        for (name, call), res in zip(calls, results, strict=True):
            if isinstance(res, _Overran):
                if isinstance(call, Future):
                    agents.busy[name] = call
                self._agent_slow(name, bar, still_running=False)
            elif isinstance(res, BaseException):
                if not isinstance(res, Exception):
                    raise res
                self._agent_failed(name, res)
            elif res is not None:
                self._accept(name, bar, res, signals)
        return signals

    def _collect(
        self, agents: list[tuple[str, Any]], bar: Bar, results: list[Any], signals: list[Signal]
    ) -> None:
        for (name, _), res in zip(agents, results, strict=True):
            if isinstance(res, BaseException):
                if not isinstance(res, Exception):
                    raise res
                self._agent_failed(name, res)
            elif res is not None:
                self._accept(name, bar, res, signals)

    def _accept(self, name: str, bar: Bar, sig: Any, signals: list[Signal]) -> None:
        """Keep ``sig`` as agent ``name``'s view of ``bar``; fill in what the agent left empty."""
        if type(sig) is not Signal and not isinstance(sig, Signal):
            self._agent_failed(name, TypeError(f"on_bar returned {type(sig).__name__}, not Signal"))
            return
        if sig.agent != name or sig.ts != bar.ts or sig.symbol != bar.symbol:
            if sig.symbol and sig.symbol != bar.symbol:
                self._agent_failed(
                    name, ValueError(f"signal about {sig.symbol!r} for a {bar.symbol!r} bar")
                )
                return
            sig = attrs.evolve(sig, agent=name, symbol=bar.symbol, ts=bar.ts)
        signals.append(sig)

    def _agent_failed(self, name: str, exc: Exception) -> None:
        count = self._agent_errors.get(name, 0) + 1
        self._agent_errors[name] = count
        if count == 1:
            log.warning("agent %s raised, abstaining: %r", name, exc, exc_info=exc)
        else:
            log.debug("agent %s raised again (%d times): %r", name, count, exc)

    def _agent_slow(self, name: str, bar: Bar, *, still_running: bool) -> None:
        what = "is still busy with an earlier bar" if still_running else "overran its budget"
        log.warning(
            "agent %s %s (%.3gs); abstaining on %s %s",
            name,
            what,
            self._budget,
            bar.symbol,
            bar.ts,
        )

    # -- orders -----------------------------------------------------------------------------------

    def _store_reconciliations(self, when: str) -> None:
        """Store the venue differences the gateway found since the last call (one run event)."""
        found = self._venue_reconciliations
        if not found or len(found) <= self._reconciliations_stored:
            return
        new = found[self._reconciliations_stored :]
        self._reconciliations_stored = len(found)
        lines = [r.line() if hasattr(r, "line") else str(r) for r in new]
        self.store.record_run_event(self.run_id, "venue_reconciled", {"when": when, "found": lines})

    def _apply_trading_state(self) -> None:
        """Per bar: in ``HALTED``, cancel the resting orders that would open or add exposure
        (once per change of state; reducing orders stay)."""
        book = self._states.current(self._book)
        if book.state is not TradingState.HALTED:
            self._halt_seen = None
            return
        seen = (book.reason, book.since)
        if self._halt_seen == seen:
            return
        self._halt_seen = seen
        log.warning("%s: cancelling resting entries", describe(self._book, book))
        gateway = self.c.gateway
        positions = self.account.portfolio.positions
        for order in orders_to_cancel(book, gateway.open_orders(), positions):
            canceled = gateway.cancel(order.id)
            self.account.settle_unfilled(canceled.symbol)

    def _risk_context(self, ts: int) -> RiskContext:
        s = self.state
        return RiskContext(
            ts,
            self.account.portfolio,
            s.prices,
            s.equity,
            s.peak_equity,
            s.day_start_equity,
            self._initial_equity,
            market=self.market,
        )

    def _on_decision(self, decision: Decision, bar: Bar) -> None:
        self.state.last_decision = decision
        self._pending_decisions.append(decision)
        if decision.action is Action.HOLD:
            return
        _notify(self.hook, "on_decision", run_id=self.run_id, decision=decision)
        if self.account.pending(bar.symbol):
            return
        intent = self.policy.intent(decision, self.account.quantity(bar.symbol))
        if intent is not None:
            self._execute(intent, self._risk_context(bar.ts))

    def _execute(self, intent: OrderIntent, ctx: RiskContext) -> Order | None:
        """Run ``intent`` through the risk chain and, if it survives, send it to the gateway."""
        for rule in self.c.risk:
            name = getattr(rule, "name", type(rule).__name__)
            try:
                verdict = rule.check(intent, ctx)
            except Exception as exc:
                log.warning("risk rule %s raised; rejecting %s", name, intent, exc_info=exc)
                return self._refused(intent, f"risk rule {name} failed ({type(exc).__name__})")
            if not verdict.approved:
                log.info(
                    "risk rule %s rejected %s %s: %s",
                    name,
                    intent.side.value,
                    intent.symbol,
                    verdict.reason,
                )
                return self._refused(intent, f"risk rule {name}: {verdict.reason}")
            intent = verdict.intent
        if not self.buffered:  # an order is never persisted before the decision behind it
            self._flush_decisions()
        if intent.quantity is None or intent.quantity <= 0:
            return self._unsized(intent)
        if self._states is not None:
            book = self._states.current(self._book)
            if book.state is not TradingState.ACTIVE:
                allowed, reason = filter_intent(
                    book, intent, self.account.portfolio.position(intent.symbol)
                )
                if not allowed:
                    log.info("%s", reason)
                    return self._refused(intent, reason)
        order = self.c.gateway.submit(intent)
        self.state.orders += 1
        self.account.sent(order)
        return order

    def _refused(self, intent: OrderIntent, reason: str) -> Order:
        """Store an intent a risk rule or the trading state refused as a rejected order (never
        sent to the venue), with the reason, and count it."""
        self._risk_rejections += 1
        if not self.buffered:  # an order is never persisted before the decision behind it
            self._flush_decisions()
        return self._not_sent(intent, f"{RISK_PREFIX}{self._risk_rejections}", reason)

    def _unsized(self, intent: OrderIntent) -> Order:
        """Store an intent no risk rule gave a quantity as a rejected order, with the reason."""
        self._unsent += 1
        why = (
            "no risk rule set a quantity"
            if intent.quantity is None
            else f"sized to {intent.quantity}, nothing to send"
        )
        return self._not_sent(intent, f"{UNSIZED_PREFIX}{self._unsent}", why)

    def _not_sent(self, intent: OrderIntent, order_id: str, why: str) -> Order:
        order = Order(
            id=order_id,
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity if intent.quantity is not None else ZERO,
            ts=intent.ts,
            limit_price=intent.limit_price,
            reduce_only=intent.reduce_only,
            reason=f"not sent: {why}" + (f" ({intent.reason})" if intent.reason else ""),
        ).transition(OrderStatus.REJECTED)
        self.journal.record_order(order)
        return order

    @property
    def stats(self) -> dict[str, int]:
        """Orders sent, fills, and every order that did not trade, by why."""
        journal = self.journal
        venue = journal.rejected if journal is not None else 0
        canceled = journal.canceled if journal is not None else 0
        return {
            "orders": self.state.orders,
            "fills": self.state.fills,
            "rejections": self._risk_rejections + venue,
            "risk_rejections": self._risk_rejections,
            "venue_rejections": venue - self._unsent - self._risk_rejections,
            "unsized": self._unsent,
            "cancellations": canceled,
        }

    # -- resuming ---------------------------------------------------------------------------------

    def _recovering(self, bar: Bar) -> None:
        """While a killed run is replayed: reconcile the venue before the first new bar."""
        journal = self._catch_up
        cursor = self._resume.cursor
        if cursor is not None and bar.ts <= cursor:
            return
        if journal.diverged is None and not journal.consumed:
            return  # a stored record is still ahead (a cancel at a later bar's open)
        self.end_recovery(bar.ts)

    def end_recovery(self, ts: int | None = None) -> None:
        """Reconcile the venue's state with the database and trade on from here."""
        point, journal = self._resume, self._catch_up
        if point is None or journal is None:
            return
        self.flush(keep_last=True)  # still checked against the stored decisions
        self._resume = None
        diverged = journal.diverged
        journal.go_live()
        gateway = self.c.gateway
        reconcile = getattr(gateway, "reconcile", None)
        differences: list[str] = []
        if reconcile is not None:
            orders = [
                o for o in self.store.orders(self.run_id) if not o.id.startswith(UNSENT_PREFIXES)
            ]
            differences = list(reconcile(orders, self.store.fills(self.run_id), self.state.prices))
        elif diverged is not None:
            differences = ["the gateway cannot reconcile; its state is the replay's"]
        self.account.resync()
        for line in differences:
            log.warning("reconcile: %s", line)
        self.reconciled = {
            "before_bar": ts,
            "verified": journal.verified,
            "diverged": diverged,
            "differences": differences,
            "cash": str(self.account.portfolio.cash),
            "positions": {s: str(p.quantity) for s, p in self.account.portfolio.positions.items()},
            "open_orders": [o.id for o in gateway.open_orders()],
        }
        self.store.record_run_event(self.run_id, "reconciled", self.reconciled)
        log.info(
            "resume: replayed %d stored records%s; venue reconciled (%d difference%s)",
            journal.verified,
            f", diverged: {diverged}" if diverged else "",
            len(differences),
            "" if len(differences) == 1 else "s",
        )

    def _flush_decisions(self) -> None:
        if self._pending_decisions:
            decisions = self._fresh_decisions(self._pending_decisions)
            if decisions:
                self.store.record_decisions(self.run_id, decisions)
            self._pending_decisions = []
            self.decisions.save()

    def _fresh_decisions(self, decisions: list[Decision]) -> list[Decision]:
        """The decisions not stored yet: all of them, unless a killed run is being replayed,
        whose first decisions are stored already (and checked against the replay's)."""
        offset = self._decisions_seen
        self._decisions_seen += len(decisions)
        stored = self._stored_decision_count
        if offset >= stored:
            return decisions
        if self._resume is not None and self._catch_up is not None:
            _, problem = check_decisions(self._resume, offset, decisions)
            if problem is not None:
                self._catch_up.diverge(problem)
        return decisions[stored - offset :]

    def flush(self, keep_last: bool = False) -> None:
        """Write buffered decisions, journal entries and equity rows; ``keep_last`` holds back
        the newest equity row, which another symbol's bar at the same timestamp may still
        update. Backtests hand the batch to the writer thread; paper and live write it here."""
        rows = self._pending_rows
        done, rest = (rows[:-1], rows[-1:]) if keep_last else (rows, [])
        self._pending_rows = rest
        self.equity_rows.extend(done)  # the whole series, stored rows included
        decisions = self._fresh_decisions(self._pending_decisions)
        self._pending_decisions = []
        if done and self._equity_stored_until is not None:
            done = [r for r in done if r[0] > self._equity_stored_until]
        self.decisions.save()  # learned weights and memory, where the run keeps a book
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

    def _await_all(self, agents: list[tuple[str, Any]], bar: Bar, history: History) -> list[Any]:
        """Results (or exceptions) of the coroutine agents' ``on_bar``, run concurrently.

        Most coroutine agents never suspend on a bar (they compute and return), so each is first
        stepped directly; only those that do suspend (awaiting I/O) go to the event loop, together.
        Starting a loop iteration per bar would cost more than the agents themselves.
        """
        results: list[Any] = []
        suspended: list[tuple[int, Any, Any]] = []
        # The agents' first step runs with the engine's loop as the running loop, so that what
        # they await (asyncio.sleep, an httpx request) is bound to the loop that finishes it.
        asyncio._set_running_loop(self._loop)
        try:
            for i, (_, agent) in enumerate(agents):
                try:
                    coro = agent.on_bar(bar, history)
                    yielded = coro.send(None)
                except StopIteration as done:
                    results.append(done.value)
                    continue
                except Exception as exc:
                    results.append(exc)
                    continue
                results.append(None)
                suspended.append((i, coro, yielded))
        finally:
            asyncio._set_running_loop(None)
        if suspended:
            finished = self._loop.run_until_complete(
                _gather([_resume(coro, yielded) for _, coro, yielded in suspended])
            )
            for (i, _, _), res in zip(suspended, finished, strict=True):
                results[i] = res
        return results


async def _resume(coro: Any, yielded: Any) -> Any:
    """Drive a coroutine that already suspended once, as an asyncio Task would: wait for what it
    yielded (a future, or nothing for a bare yield), then send it on, until it returns."""
    while True:
        try:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                # The agent's own await marked the future as being waited on; this await takes
                # over that wait (asyncio refuses a future already marked).
                yielded._asyncio_future_blocking = False
                await yielded
        except BaseException as exc:  # the awaited future failed or was cancelled: tell the agent
            try:
                yielded = coro.throw(exc)
            except StopIteration as done:
                return done.value
            continue
        try:
            yielded = coro.send(None)
        except StopIteration as done:
            return done.value


class _Overran:
    """Marks an agent call that did not finish within the budget."""


async def _gather(calls: list[Any]) -> list[Any]:
    return await asyncio.gather(*calls, return_exceptions=True)


def monotonic_seconds() -> float:
    return time.perf_counter()
