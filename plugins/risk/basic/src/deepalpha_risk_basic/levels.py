"""The product description's three levels of limits: ``account``, ``strategy``, ``instrument``.

Each is one rule whose options are its limits (any of them null to switch it off). Exits (an
order marked ``reduce_only``, or against the open position and no larger than it) pass every
limit here: these limits are about exposure, and refusing an exit can only leave more on.

Position values are marked at the last close the engine saw (a position without one at its
average entry); the order itself at its limit price, else the last close. Caps shrink an order to
the largest quantity (on ``quantity_step``) that fits and refuse it when nothing fits; halts
(losses, a losing streak, volatility) refuse new positions outright.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

import attrs
import numpy as np
from deepalpha.domain import Bar, OrderIntent, to_decimal
from deepalpha.risk import RiskContext, RiskRule, Verdict

from ._common import (
    WIDE,
    book_values,
    equity_of,
    fit,
    money,
    reducing,
    reference_price,
    room_in_gross,
    room_in_net,
    room_in_position,
    show,
)
from .exits import StopLossRule
from .options import AccountOptions, InstrumentOptions, StopLossOptions, StrategyOptions

_DAY_MS = 86_400_000
_YEAR_MS = 365 * _DAY_MS  # crypto trades every day
_EPOCH = date(1970, 1, 1)


def _month(ts: int) -> tuple[int, int]:
    day = _EPOCH + timedelta(days=ts // _DAY_MS)
    return day.year, day.month


def _note(verdict: Verdict, notes: list[str]) -> OrderIntent:
    """The verdict's intent, keeping its reason (a shrink) for the rule's own reason."""
    if verdict.reason:
        notes.append(verdict.reason)
    return verdict.intent


def _fraction(value: float) -> Decimal:
    return to_decimal(float(value))


class AccountRule(RiskRule):
    """Account limits: net position, leverage, daily loss, monthly drawdown.

    - ``max_position`` (0.95): the net value of all positions (longs minus shorts) after the
      order stays within this fraction of equity;
    - ``max_leverage`` (3): their gross value (longs plus shorts) within this multiple of equity;
    - ``max_daily_loss`` (0.05): no new positions for the rest of the UTC day once equity is this
      far below the day's starting equity;
    - ``max_monthly_drawdown`` (0.15): no new positions for the rest of the UTC month once equity
      is this far below the month's peak. The peak is what the rule observed: equity at every
      order check, at every bar of a held symbol (``on_bar``) and at each day's start.
    """

    name = "account"

    def __init__(self, options: AccountOptions | None = None) -> None:
        self.options = options if options is not None else AccountOptions()
        self.reset()

    def reset(self) -> None:
        self._month: tuple[int, int] | None = None
        self._month_peak = -math.inf
        self._daily_halt: tuple[int, str] | None = None
        self._monthly_halt: tuple[tuple[int, int], str] | None = None

    def _observe(self, ctx: RiskContext) -> None:
        month = _month(ctx.ts)
        if month != self._month:
            self._month, self._month_peak = month, -math.inf
            self._monthly_halt = None
        for value in (ctx.equity, ctx.day_start_equity):
            if not math.isnan(value) and value > self._month_peak:
                self._month_peak = value

    def on_bar(self, bar: Bar, ctx: RiskContext) -> Iterable[OrderIntent]:
        self._observe(ctx)
        return ()

    def halted(self, ctx: RiskContext) -> str | None:
        self._observe(ctx)
        o = self.options
        day = ctx.ts // _DAY_MS
        if self._daily_halt is not None and self._daily_halt[0] == day:
            return self._daily_halt[1]
        if o.max_daily_loss is not None and _below(
            ctx.equity, ctx.day_start_equity, o.max_daily_loss
        ):
            reason = (
                f"account: max_daily_loss: equity {money(ctx.equity)} is "
                f"{1 - ctx.equity / ctx.day_start_equity:.2%} below the day's start "
                f"{money(ctx.day_start_equity)} (limit {o.max_daily_loss:.2%}); no new positions "
                "until 00:00 UTC"
            )
            self._daily_halt = (day, reason)
            return reason
        if self._monthly_halt is not None and self._monthly_halt[0] == self._month:
            return self._monthly_halt[1]
        limit = o.max_monthly_drawdown
        if limit is not None and _below(ctx.equity, self._month_peak, limit):
            year, month = self._month
            reason = (
                f"account: max_monthly_drawdown: equity {money(ctx.equity)} is "
                f"{1 - ctx.equity / self._month_peak:.2%} below the peak {money(self._month_peak)} "
                f"of {year}-{month:02d} (limit {limit:.2%}); no new positions until the month ends"
            )
            self._monthly_halt = (self._month, reason)
            return reason
        return None

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if reducing(intent, ctx):
            self._observe(ctx)
            return Verdict.accept(intent)
        reason = self.halted(ctx)
        if reason:
            return Verdict.reject(reason)
        o = self.options
        if o.max_position is None and o.max_leverage is None:
            return Verdict.accept(intent)
        if intent.quantity is None:
            return Verdict.reject("account: the intent has no quantity yet; list 'sizing' first")
        price = reference_price(self.name, intent, ctx)
        if isinstance(price, str):
            return Verdict.reject(price)
        equity = equity_of(self.name, ctx)
        if isinstance(equity, str):
            return Verdict.reject(equity)
        net, gross = book_values(ctx)
        sign = intent.side.sign
        held = ctx.portfolio.position(intent.symbol).quantity
        step = o.quantity_step
        notes: list[str] = []
        if o.max_position is not None:
            cap = WIDE.multiply(equity, _fraction(o.max_position))
            order = WIDE.multiply(intent.quantity, price)
            verdict = fit(
                self.name,
                intent,
                room_in_net(cap, net, sign, price, step),
                f"max_position: net positions {money(net)} {'+' if sign > 0 else '-'} order "
                f"{money(order)} against a cap of {money(cap)} ({o.max_position:.2%} of equity "
                f"{money(equity)})",
            )
            if not verdict.approved:
                return verdict
            intent = _note(verdict, notes)
        if o.max_leverage is not None:
            cap = WIDE.multiply(equity, _fraction(o.max_leverage))
            order = WIDE.multiply(intent.quantity, price)
            verdict = fit(
                self.name,
                intent,
                room_in_gross(cap, gross, held, sign, price, step),
                f"max_leverage: gross positions {money(gross)} + order {money(order)} against a "
                f"cap of {money(cap)} ({o.max_leverage:g}x equity {money(equity)})",
            )
            if not verdict.approved:
                return verdict
            intent = _note(verdict, notes)
        return Verdict.accept(intent, "; ".join(notes))


class StrategyRule(RiskRule):
    """The strategy's limits, against its capital (``basis``: equity now, or the run's initial
    equity): one position's size, gross leverage, and a losing streak.

    A losing exit is one that lowered a symbol's realised P&L; the rule sees realised P&L at every
    order check and every bar of a held symbol, so each change it sees is one exit's result (two
    exits of one symbol between two looks count as one). After ``max_consecutive_losses`` losing
    exits in a row, no new positions: for ``cooldown_hours`` (the streak then starts again from
    zero), or for the rest of the run.
    """

    name = "strategy"

    def __init__(self, options: StrategyOptions | None = None) -> None:
        self.options = options if options is not None else StrategyOptions()
        self.reset()

    def reset(self) -> None:
        self._realized: dict[str, Decimal] = {}
        self._streak = 0
        self._stopped: tuple[int, str] | None = None

    @property
    def losing_streak(self) -> int:
        return self._streak

    def _observe(self, ctx: RiskContext) -> None:
        for symbol, position in ctx.portfolio.positions.items():
            before = self._realized.get(symbol)
            now = position.realized_pnl
            self._realized[symbol] = now
            if before is None or now == before:
                continue
            if now < before:
                self._streak += 1
            else:
                self._streak = 0

    def on_bar(self, bar: Bar, ctx: RiskContext) -> Iterable[OrderIntent]:
        self._observe(ctx)
        return ()

    def halted(self, ctx: RiskContext) -> str | None:
        self._observe(ctx)
        limit = self.options.max_consecutive_losses
        if self._stopped is not None:
            until, reason = self._stopped
            if ctx.ts < until:
                return reason
            self._stopped, self._streak = None, 0
        if limit is None or self._streak < limit:
            return None
        hours = self.options.cooldown_hours
        until = math.inf if hours is None else ctx.ts + round(hours * 3_600_000)
        how = "for the rest of the run" if hours is None else f"for {hours:g} hours"
        reason = (
            f"strategy: max_consecutive_losses: {self._streak} losing exits in a row "
            f"(limit {limit}); no new positions {how}"
        )
        self._stopped = (until, reason)
        return reason

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if reducing(intent, ctx):
            self._observe(ctx)
            return Verdict.accept(intent)
        reason = self.halted(ctx)
        if reason:
            return Verdict.reject(reason)
        o = self.options
        if o.max_position_size is None and o.max_leverage is None:
            return Verdict.accept(intent)
        if intent.quantity is None:
            return Verdict.reject("strategy: the intent has no quantity yet; list 'sizing' first")
        price = reference_price(self.name, intent, ctx)
        if isinstance(price, str):
            return Verdict.reject(price)
        basis = ctx.equity if o.basis == "equity" else ctx.initial_equity
        capital = equity_of(self.name, _with_equity(ctx, basis))
        if isinstance(capital, str):
            return Verdict.reject(capital)
        held = ctx.portfolio.position(intent.symbol).quantity
        sign = intent.side.sign
        step = o.quantity_step
        word = "equity" if o.basis == "equity" else "initial equity"
        notes: list[str] = []
        if o.max_position_size is not None:
            cap = WIDE.multiply(capital, _fraction(o.max_position_size))
            verdict = fit(
                self.name,
                intent,
                room_in_position(cap, held, sign, price, step),
                f"max_position_size: {intent.symbol} position {show(held)} x {show(price)} against "
                f"a cap of {money(cap)} ({o.max_position_size:.2%} of {word} {money(capital)})",
            )
            if not verdict.approved:
                return verdict
            intent = _note(verdict, notes)
        if o.max_leverage is not None:
            _, gross = book_values(ctx)
            cap = WIDE.multiply(capital, _fraction(o.max_leverage))
            order = WIDE.multiply(intent.quantity, price)
            verdict = fit(
                self.name,
                intent,
                room_in_gross(cap, gross, held, sign, price, step),
                f"max_leverage: gross positions {money(gross)} + order {money(order)} against a "
                f"cap of {money(cap)} ({o.max_leverage:g}x {word} {money(capital)})",
            )
            if not verdict.approved:
                return verdict
            intent = _note(verdict, notes)
        return Verdict.accept(intent, "; ".join(notes))


class InstrumentRule(RiskRule):
    """Per-symbol limits: position size, a fixed stop, liquidity and volatility.

    - ``max_position_per_symbol`` (0.05): one symbol's position within this fraction of equity;
    - ``stop_loss`` (0.02): exits a position that lost this fraction from its entry (as the
      ``stop_loss`` rule with this ``pct``);
    - ``max_volume_fraction`` (0.10): one order at most this fraction of the symbol's traded
      volume over the last ``volume_window_hours`` (24) of bars;
    - ``max_volatility`` (0.50): no new positions while the annualised standard deviation of the
      symbol's log returns over the last ``volatility_window_days`` (30) is above it.

    The volume and volatility limits read the bars in ``RiskContext.market``; without them (or
    with fewer than three closes) they refuse new positions, saying why.
    """

    name = "instrument"

    def __init__(self, options: InstrumentOptions | None = None) -> None:
        self.options = options if options is not None else InstrumentOptions()
        self._stop: StopLossRule | None = None
        if self.options.stop_loss is not None:
            self._stop = StopLossRule(StopLossOptions(pct=self.options.stop_loss))
            self._stop.name = "instrument: stop_loss"

    def reset(self) -> None:
        if self._stop is not None:
            self._stop.reset()

    def on_bar(self, bar: Bar, ctx: RiskContext) -> Iterable[OrderIntent]:
        return self._stop.on_bar(bar, ctx) if self._stop is not None else ()

    def check(self, intent: OrderIntent, ctx: RiskContext) -> Verdict:
        if self._stop is not None:
            self._stop.check(intent, ctx)  # remembers a level suggested with an entry
        if reducing(intent, ctx):
            return Verdict.accept(intent)
        o = self.options
        if o.max_volatility is not None:
            reason = self._volatility(intent.symbol, ctx)
            if reason:
                return Verdict.reject(reason)
        if o.max_position_per_symbol is None and o.max_volume_fraction is None:
            return Verdict.accept(intent)
        if intent.quantity is None:
            return Verdict.reject("instrument: the intent has no quantity yet; list 'sizing' first")
        notes: list[str] = []
        if o.max_position_per_symbol is not None:
            price = reference_price(self.name, intent, ctx)
            if isinstance(price, str):
                return Verdict.reject(price)
            equity = equity_of(self.name, ctx)
            if isinstance(equity, str):
                return Verdict.reject(equity)
            held = ctx.portfolio.position(intent.symbol).quantity
            cap = WIDE.multiply(equity, _fraction(o.max_position_per_symbol))
            verdict = fit(
                self.name,
                intent,
                room_in_position(cap, held, intent.side.sign, price, o.quantity_step),
                f"max_position_per_symbol: {intent.symbol} position {show(held)} x {show(price)} "
                f"against a cap of {money(cap)} ({o.max_position_per_symbol:.2%} of equity "
                f"{money(equity)})",
            )
            if not verdict.approved:
                return verdict
            intent = _note(verdict, notes)
        if o.max_volume_fraction is not None:
            volume = self._volume(intent.symbol, ctx)
            if isinstance(volume, str):
                return Verdict.reject(volume)
            share = WIDE.multiply(volume, _fraction(o.max_volume_fraction))
            step = o.quantity_step
            room = WIDE.divide(share, step).to_integral_value(rounding=ROUND_FLOOR) * step
            verdict = fit(
                self.name,
                intent,
                room,
                f"max_volume_fraction: {intent.symbol} traded {show(round(volume, 8))} in the "
                f"last {o.volume_window_hours:g}h; one order may take "
                f"{o.max_volume_fraction:.2%} of it ({show(room)})",
            )
            if not verdict.approved:
                return verdict
            intent = _note(verdict, notes)
        return Verdict.accept(intent, "; ".join(notes))

    def _columns(self, symbol: str, ctx: RiskContext, names: tuple[str, ...]):
        if ctx.market is None:
            return None
        try:
            return [ctx.market.column(symbol, name, before=ctx.ts + 1) for name in names]
        except KeyError:
            return None

    def _volume(self, symbol: str, ctx: RiskContext) -> Decimal | str:
        cols = self._columns(symbol, ctx, ("ts", "volume"))
        if cols is None or not len(cols[0]):
            return f"instrument: max_volume_fraction: no bars of {symbol} to measure its volume"
        ts, volume = cols
        start = ctx.ts - round(self.options.volume_window_hours * 3_600_000)
        recent = volume[ts > start]
        total = float(np.sum(recent)) if len(recent) else 0.0
        if not math.isfinite(total) or total <= 0:
            return f"instrument: max_volume_fraction: {symbol} traded nothing in the window"
        return to_decimal(total)

    def _volatility(self, symbol: str, ctx: RiskContext) -> str | None:
        o = self.options
        cols = self._columns(symbol, ctx, ("ts", "close"))
        if cols is None:
            return f"instrument: max_volatility: no bars of {symbol} to measure its volatility"
        vol = annualised_volatility(cols[0], cols[1], ctx.ts, o.volatility_window_days)
        if vol is None:
            return (
                f"instrument: max_volatility: fewer than 3 closes of {symbol} in the last "
                f"{o.volatility_window_days:g} days"
            )
        if vol > o.max_volatility:
            return (
                f"instrument: max_volatility: {symbol} annualised volatility {vol:.2%} over "
                f"{o.volatility_window_days:g} days is above {o.max_volatility:.2%}; "
                "no new positions"
            )
        return None


def annualised_volatility(
    ts: np.ndarray, close: np.ndarray, now: int, window_days: float
) -> float | None:
    """Sample standard deviation of log returns of the closes in the last ``window_days`` up to
    ``now``, scaled by the square root of bars per 365-day year (from the median bar spacing);
    ``None`` with fewer than three closes."""
    start = now - round(window_days * _DAY_MS)
    mask = (ts > start) & (ts <= now)
    closes = np.asarray(close[mask], dtype=np.float64)
    times = np.asarray(ts[mask], dtype=np.int64)
    if len(closes) < 3 or not np.all(closes > 0):
        return None
    returns = np.diff(np.log(closes))
    spacing = float(np.median(np.diff(times)))
    if spacing <= 0:
        return None
    return float(np.std(returns, ddof=1) * math.sqrt(_YEAR_MS / spacing))


def _below(equity: float, reference: float, fraction: float) -> bool:
    if math.isnan(equity) or math.isnan(reference) or reference <= 0 or math.isinf(reference):
        return False
    return equity < reference * (1 - fraction)


def _with_equity(ctx: RiskContext, equity: float) -> RiskContext:
    return attrs.evolve(ctx, equity=equity)
