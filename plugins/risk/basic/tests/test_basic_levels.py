"""Account, strategy and instrument limits, on a book of two symbols.

The book used throughout (equity 10,000): BTC long 40 at a last close of 100 (value 4,000), ETH
short 20 at 50 (value -1,000). Net 3,000, gross 5,000. Expected numbers are worked out by hand in
the comments.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from deepalpha.domain import Bar, Side
from deepalpha_risk_basic import (
    AccountOptions,
    AccountRule,
    InstrumentOptions,
    InstrumentRule,
    StrategyOptions,
    StrategyRule,
    annualised_volatility,
)

BTC, ETH = "BTC/USDT", "ETH/USDT"
PRICES = {BTC: 100.0, ETH: 50.0}
HOUR = 3_600_000
DAY = 24 * HOUR
MAY_1_2024 = 1_714_521_600_000  # 2024-05-01 00:00 UTC
JUNE_1_2024 = MAY_1_2024 + 31 * DAY


@pytest.fixture
def two(make_book):
    def build(**kw):
        positions = kw.pop("positions", {BTC: ("40", "90"), ETH: ("-20", "55")})
        return make_book(positions, kw.pop("prices", PRICES), **kw)

    return build


def account(**options) -> AccountRule:
    off = {"max_position": None, "max_leverage": None, "max_daily_loss": None}
    off["max_monthly_drawdown"] = None
    return AccountRule(AccountOptions(**{**off, **options}))


# -- account -------------------------------------------------------------------------------------


def test_account_max_position_shrinks_a_buy_to_the_net_cap(two, make_order):
    # Cap 0.95 x 10,000 = 9,500; net 3,000 leaves 6,500 = 65 BTC at 100.
    verdict = account(max_position=0.95).check(make_order(BTC, Side.BUY, "70"), two())
    assert verdict.intent.quantity == Decimal("65")
    assert verdict.reason.startswith("account: shrunk 70 -> 65: max_position: net positions")
    assert "cap of 9,500.00 (95.00% of equity 10,000.00)" in verdict.reason


def test_account_max_position_measures_shorts_on_the_other_side(two, make_order):
    # Selling ETH moves net down: |3,000 - q x 50| <= 9,500 -> q <= 250.
    verdict = account(max_position=0.95).check(make_order(ETH, Side.SELL, "300"), two())
    assert verdict.intent.quantity == Decimal("250")


def test_account_max_position_rejects_when_nothing_fits(two, make_order):
    # Cap 0.30 x 10,000 = 3,000 = the net already held.
    verdict = account(max_position=0.30).check(make_order(BTC, Side.BUY, "1"), two())
    assert not verdict.approved
    assert verdict.reason.startswith("account: max_position: net positions 3,000.00 + order 100.00")


def test_account_max_leverage_counts_longs_and_shorts(two, make_order):
    # 0.6x of 10,000 = 6,000; gross 5,000 leaves 1,000 = 10 BTC.
    verdict = account(max_leverage=0.6).check(make_order(BTC, Side.BUY, "20"), two())
    assert verdict.intent.quantity == Decimal("10")
    assert "max_leverage: gross positions 5,000.00 + order 2,000.00" in verdict.reason
    assert "cap of 6,000.00 (0.6x equity 10,000.00)" in verdict.reason


def test_account_max_leverage_lets_an_order_through_the_position_first(two, make_order):
    # Selling 100 BTC while long 40 flips to short 60. The first 40 shrink the gross, so the cap
    # of 6,000 allows q with 1,000 (ETH) + (q - 40) x 100 <= 6,000: q <= 90.
    verdict = account(max_leverage=0.6).check(make_order(BTC, Side.SELL, "100"), two())
    assert verdict.intent.quantity == Decimal("90")


def test_account_3x_leverage_binds_a_long_short_book(make_book, make_order):
    # Equity 10,000, gross 28,000 (BTC 200 x 100 long, ETH 160 x 50 short); 3x = 30,000 leaves
    # 2,000 = 20 BTC. The net (20,000 - 8,000 = 12,000) is over 0.95 already: only leverage is on.
    ctx = make_book({BTC: ("200", "100"), ETH: ("-160", "50")}, PRICES)
    verdict = account(max_leverage=3).check(make_order(BTC, Side.BUY, "25"), ctx)
    assert verdict.intent.quantity == Decimal("20")


def test_account_exits_pass_every_limit(two, make_order):
    rule = AccountRule(AccountOptions(max_position=0.01, max_leverage=0.01, max_daily_loss=0.01))
    ctx = two(equity=5_000.0, day_start=10_000.0)
    for intent in (
        make_order(BTC, Side.SELL, "40", reduce_only=True),
        make_order(BTC, Side.SELL, "10"),  # against the long, smaller than it
        make_order(ETH, Side.BUY, "20"),  # closes the short
    ):
        assert rule.check(intent, ctx).intent is intent


def test_account_daily_loss_halts_new_positions_until_the_next_utc_day(two, make_order):
    rule = account(max_daily_loss=0.05)
    # 9,400 is 6% under the day's 10,000.
    ctx = two(equity=9_400.0, day_start=10_000.0, ts=MAY_1_2024 + 5 * HOUR)
    verdict = rule.check(make_order(BTC, Side.BUY, "1"), ctx)
    assert not verdict.approved
    assert verdict.reason.startswith(
        "account: max_daily_loss: equity 9,400.00 is 6.00% below the day's start 10,000.00 "
        "(limit 5.00%)"
    )
    # Still that day, even after a recovery; a new day starts afresh.
    later = two(equity=9_900.0, day_start=10_000.0, ts=MAY_1_2024 + 20 * HOUR)
    assert not rule.check(make_order(BTC, Side.BUY, "1"), later).approved
    next_day = two(equity=9_400.0, day_start=9_400.0, ts=MAY_1_2024 + DAY)
    assert rule.check(make_order(BTC, Side.BUY, "1"), next_day).approved
    # 9,500 is exactly 5% down: not beyond the limit.
    assert (
        account(max_daily_loss=0.05)
        .check(make_order(BTC, Side.BUY, "1"), two(equity=9_500.0, day_start=10_000.0))
        .approved
    )


def test_account_monthly_drawdown_from_the_months_peak(two, make_order, make_bar):
    rule = account(max_monthly_drawdown=0.15)
    # The rule sees 12,000 on a bar in May, then 10,100 (15.83% below) later in May.
    rule.on_bar(make_bar(1, 1, 1, 1), two(equity=12_000.0, ts=MAY_1_2024 + 3 * DAY))
    may = two(equity=10_100.0, ts=MAY_1_2024 + 10 * DAY)
    verdict = rule.check(make_order(BTC, Side.BUY, "1"), may)
    assert not verdict.approved
    assert verdict.reason.startswith(
        "account: max_monthly_drawdown: equity 10,100.00 is 15.83% below the peak 12,000.00 of "
        "2024-05 (limit 15.00%)"
    )
    # 10,200 = 12,000 x 0.85 is on the line, not beyond; but the halt holds for May.
    assert not rule.check(make_order(BTC, Side.BUY, "1"), two(equity=10_200.0, ts=may.ts)).approved
    june = two(equity=10_100.0, ts=JUNE_1_2024)
    assert rule.check(make_order(BTC, Side.BUY, "1"), june).approved


def test_account_monthly_drawdown_on_the_line_is_allowed(two, make_order, make_bar):
    rule = account(max_monthly_drawdown=0.15)
    rule.on_bar(make_bar(1, 1, 1, 1), two(equity=12_000.0, ts=MAY_1_2024))
    assert rule.check(
        make_order(BTC, Side.BUY, "1"), two(equity=10_200.0, ts=MAY_1_2024 + DAY)
    ).approved


def test_account_defaults_are_the_product_descriptions():
    o = AccountOptions()
    assert (o.max_position, o.max_leverage, o.max_daily_loss, o.max_monthly_drawdown) == (
        0.95,
        3.0,
        0.05,
        0.15,
    )


# -- strategy ------------------------------------------------------------------------------------


def strategy(**options) -> StrategyRule:
    off = {"max_position_size": None, "max_leverage": None, "max_consecutive_losses": None}
    return StrategyRule(StrategyOptions(**{**off, **options}))


def test_strategy_max_position_size(two, make_order):
    # 2% of 10,000 = 200 = 2 BTC at 100 while flat in BTC.
    ctx = two(positions={ETH: ("-20", "55")})
    verdict = strategy(max_position_size=0.02).check(make_order(BTC, Side.BUY, "3"), ctx)
    assert verdict.intent.quantity == Decimal("2")
    assert "max_position_size: BTC/USDT position 0 x 100 against a cap of 200.00" in verdict.reason


def test_strategy_capital_can_be_the_initial_equity(two, make_order):
    # basis initial: 2% of 5,000 = 100 = 1 BTC, although equity is 10,000.
    ctx = two(positions={}, initial=5_000.0)
    rule = strategy(max_position_size=0.02, basis="initial")
    verdict = rule.check(make_order(BTC, Side.BUY, "3"), ctx)
    assert verdict.intent.quantity == Decimal("1")
    assert "2.00% of initial equity 5,000.00" in verdict.reason


def test_strategy_max_leverage_through_a_short(two, make_order):
    # 2x of 10,000 = 20,000. Buying ETH while short 20: the first 20 shrink the gross (5,000),
    # then 4,000 + (q - 20) x 50 <= 20,000 -> q <= 340.
    verdict = strategy(max_leverage=2).check(make_order(ETH, Side.BUY, "400"), two())
    assert verdict.intent.quantity == Decimal("340")


def test_strategy_stops_after_consecutive_losing_exits(make_book, make_order, make_bar):
    rule = strategy(max_consecutive_losses=3, cooldown_hours=1)
    look = lambda ts, btc, eth: rule.on_bar(  # noqa: E731
        make_bar(1, 1, 1, 1),
        make_book({BTC: ("0", "0", btc), ETH: ("0", "0", eth)}, PRICES, ts=ts),
    )
    look(0, "0", "0")
    look(1, "-10", "0")  # BTC loses 10
    look(2, "-5", "0")  # BTC wins 5: the streak starts over
    look(3, "-15", "0")  # loss 1
    look(4, "-15", "-1")  # loss 2 (ETH)
    entry = make_order(BTC, Side.BUY, "1")
    assert rule.check(
        entry, make_book({BTC: ("0", "0", "-15"), ETH: ("0", "0", "-1")}, PRICES, ts=5)
    ).approved
    look(6, "-20", "-1")  # loss 3
    ctx = make_book({BTC: ("0", "0", "-20"), ETH: ("0", "0", "-1")}, PRICES, ts=7)
    verdict = rule.check(entry, ctx)
    assert not verdict.approved
    assert verdict.reason == (
        "strategy: max_consecutive_losses: 3 losing exits in a row (limit 3); "
        "no new positions for 1 hours"
    )
    # An exit still passes; after the hour the streak starts again.
    held = make_book({BTC: ("2", "100", "-20")}, PRICES, ts=8)
    assert rule.check(make_order(BTC, Side.SELL, "2"), held).approved
    after = make_book({BTC: ("0", "0", "-20"), ETH: ("0", "0", "-1")}, PRICES, ts=7 + HOUR)
    assert rule.check(entry, after).approved and rule.losing_streak == 0


def test_strategy_losing_streak_latches_without_a_cooldown(make_book, make_order):
    rule = strategy(max_consecutive_losses=1)
    rule.check(make_order(BTC, Side.BUY, "1"), make_book({BTC: ("1", "100", "0")}, PRICES))
    after = make_book({BTC: ("0", "0", "-3")}, PRICES, ts=10 * DAY)
    verdict = rule.check(make_order(BTC, Side.BUY, "1"), after)
    assert not verdict.approved and verdict.reason.endswith("for the rest of the run")
    rule.reset()
    assert rule.check(make_order(BTC, Side.BUY, "1"), after).approved


def test_strategy_defaults_are_the_product_descriptions():
    o = StrategyOptions()
    assert (o.max_position_size, o.max_leverage, o.max_consecutive_losses) == (0.02, 2.0, 5)


# -- instrument ----------------------------------------------------------------------------------


def instrument(**options) -> InstrumentRule:
    off = {"max_position_per_symbol": None, "stop_loss": None, "max_volume_fraction": None}
    off["max_volatility"] = None
    return InstrumentRule(InstrumentOptions(**{**off, **options}))


def hourly(symbol: str, n: int, volume: float, close: float = 100.0, start: int = 0) -> list[Bar]:
    return [Bar(symbol, start + i * HOUR, close, close, close, close, volume) for i in range(n)]


def test_instrument_position_cap_per_symbol(make_book, make_order):
    # 5% of 10,000 = 500; BTC 4 x 100 = 400 leaves 1; ETH is flat, so 10 x 50 = 500 fits.
    ctx = make_book({BTC: ("4", "100")}, PRICES)
    rule = instrument(max_position_per_symbol=0.05)
    assert rule.check(make_order(BTC, Side.BUY, "2"), ctx).intent.quantity == Decimal("1")
    assert rule.check(make_order(ETH, Side.BUY, "10"), ctx).intent.quantity == Decimal("10")
    assert rule.check(make_order(ETH, Side.BUY, "11"), ctx).intent.quantity == Decimal("10")


def test_instrument_volume_is_each_symbols_own(make_book, make_order, make_market):
    # 30 hourly bars; at the last one (ts 29h) the last 24h hold bars 6..29: BTC 24 x 10 = 240,
    # ETH 24 x 1,000 = 24,000. 10% of them: 24 BTC, 2,400 ETH.
    market = make_market({BTC: hourly(BTC, 30, 10.0), ETH: hourly(ETH, 30, 1_000.0)})
    ctx = make_book({}, PRICES, ts=29 * HOUR, market=market, equity=1e9)
    rule = instrument(max_volume_fraction=0.10)
    btc = rule.check(make_order(BTC, Side.BUY, "30"), ctx)
    assert btc.intent.quantity == Decimal("24")
    assert "BTC/USDT traded 240 in the last 24h" in btc.reason
    assert rule.check(make_order(ETH, Side.BUY, "30"), ctx).intent is not None
    assert rule.check(make_order(ETH, Side.BUY, "3000"), ctx).intent.quantity == Decimal("2400")


def test_instrument_volume_needs_bars(make_book, make_order):
    verdict = instrument(max_volume_fraction=0.1).check(
        make_order(BTC, Side.BUY, "1"), make_book({}, PRICES)
    )
    assert not verdict.approved and "no bars of BTC/USDT" in verdict.reason


def daily_zigzag(symbol: str, n: int, up: float) -> list[Bar]:
    closes = [100.0 * (up if i % 2 else 1.0) for i in range(n)]
    return [Bar(symbol, i * DAY, c, c, c, c, 1.0) for i, c in enumerate(closes)]


def test_annualised_volatility_of_a_zigzag():
    # Closes alternating 100, 101: log returns alternate +-ln(1.01); with 20 of them the mean is
    # 0 and the sample standard deviation ln(1.01) x sqrt(20 / 19); daily bars: x sqrt(365).
    bars = daily_zigzag(BTC, 21, 1.01)
    ts = [b.ts for b in bars]
    closes = [b.close for b in bars]
    import numpy as np

    expected = math.log(1.01) * math.sqrt(20 / 19) * math.sqrt(365)
    got = annualised_volatility(np.array(ts), np.array(closes), ts[-1], 30)
    assert got == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.19504, abs=1e-5)


def test_instrument_volatility_cap(make_book, make_order, make_market):
    # BTC zigzags by 1% a day (19.5% a year), ETH by 5% (about 95%).
    market = make_market(
        {BTC: daily_zigzag(BTC, 21, 1.01), ETH: daily_zigzag(ETH, 21, 1.05)}, timeframe="1d"
    )
    ctx = make_book({}, PRICES, ts=20 * DAY, market=market)
    rule = instrument(max_volatility=0.5)
    assert rule.check(make_order(BTC, Side.BUY, "1"), ctx).approved
    verdict = rule.check(make_order(ETH, Side.BUY, "1"), ctx)
    assert not verdict.approved
    assert verdict.reason.startswith("instrument: max_volatility: ETH/USDT annualised volatility")
    assert "is above 50.00%" in verdict.reason
    assert not instrument(max_volatility=0.15).check(make_order(BTC, Side.BUY, "1"), ctx).approved


def test_instrument_fixed_stop(make_book, make_bar):
    # Long 1 from 100: a 2% stop fires at a close of 98 or below.
    rule = instrument(stop_loss=0.02)
    ctx = make_book({"BTC/USD": ("1", "100")}, {"BTC/USD": 98.5})
    assert list(rule.on_bar(make_bar(99, 99, 98, 98.5), ctx)) == []
    (exit_,) = rule.on_bar(make_bar(99, 99, 97, 98), ctx)
    assert exit_.side is Side.SELL and exit_.reduce_only and exit_.quantity == Decimal(1)
    assert exit_.reason.startswith("instrument: stop_loss: close 98 <= 98 (2.00% below entry 100)")


def test_instrument_exits_pass(make_book, make_order, make_market):
    rule = InstrumentRule()  # every limit on, no bars at all
    ctx = make_book({BTC: ("50", "100")}, PRICES)
    intent = make_order(BTC, Side.SELL, "50")
    assert rule.check(intent, ctx).intent is intent
    assert not rule.check(make_order(ETH, Side.BUY, "1"), ctx).approved


def test_instrument_defaults_are_the_product_descriptions():
    o = InstrumentOptions()
    assert (o.max_position_per_symbol, o.stop_loss, o.max_volume_fraction, o.max_volatility) == (
        0.05,
        0.02,
        0.10,
        0.50,
    )
