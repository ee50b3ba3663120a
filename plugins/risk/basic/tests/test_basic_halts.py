from deepalpha.domain import Side
from deepalpha_risk_basic import (
    DailyLossOptions,
    DailyLossRule,
    MaxDrawdownOptions,
    MaxDrawdownRule,
)

DAY = 86_400_000


def test_drawdown_halts_new_positions_but_not_exits(make_intent, make_ctx):
    rule = MaxDrawdownRule()
    assert rule.halted(make_ctx(equity=8_000.0, peak=10_000.0)) is None  # exactly 20%: allowed
    deep = make_ctx(equity=7_999.0, peak=10_000.0)
    reason = rule.halted(deep)
    assert reason == (
        "max_drawdown: equity 7999.00 is 20.01% below its peak 10000.00 (limit 20.00%); "
        "halted for the rest of the run"
    )
    assert rule.check(make_intent(Side.BUY, "1"), deep).reason == reason
    exit_ = make_intent(Side.SELL, "1", reduce_only=True)
    assert rule.check(exit_, deep).intent == exit_


def test_drawdown_latches_until_reset(make_intent, make_ctx):
    rule = MaxDrawdownRule()
    rule.halted(make_ctx(equity=7_000.0, peak=10_000.0))
    recovered = make_ctx(equity=9_500.0, peak=10_000.0)
    assert rule.halted(recovered) is not None
    rule.reset()
    assert rule.halted(recovered) is None


def test_drawdown_without_latch_resumes_on_recovery(make_ctx):
    rule = MaxDrawdownRule(MaxDrawdownOptions(max_drawdown=0.1, latch=False))
    assert rule.halted(make_ctx(equity=8_900.0, peak=10_000.0)).endswith("(limit 10.00%)")
    assert rule.halted(make_ctx(equity=9_500.0, peak=10_000.0)) is None


def test_daily_loss_halts_for_the_rest_of_the_utc_day(make_intent, make_ctx):
    rule = DailyLossRule()
    morning = make_ctx(equity=9_400.0, day_start=10_000.0, ts=3 * DAY + 1)
    reason = rule.halted(morning)
    assert reason == (
        "daily_loss: equity 9400.00 is 6.00% below the day's start 10000.00 (limit 5.00%); "
        "halted until 00:00 UTC"
    )
    evening = make_ctx(equity=9_990.0, day_start=10_000.0, ts=4 * DAY - 1)
    assert rule.halted(evening) == reason  # a recovery the same day does not lift it
    assert rule.check(make_intent(Side.BUY, "1"), evening).reason == reason
    assert rule.check(make_intent(Side.SELL, "1", reduce_only=True), evening).approved
    next_day = make_ctx(equity=9_400.0, day_start=9_400.0, ts=4 * DAY)
    assert rule.halted(next_day) is None
    assert rule.check(make_intent(Side.BUY, "1"), next_day).approved


def test_daily_loss_threshold_and_reset(make_ctx):
    rule = DailyLossRule(DailyLossOptions(max_loss=0.02))
    assert rule.halted(make_ctx(equity=9_800.0, day_start=10_000.0)) is None
    assert rule.halted(make_ctx(equity=9_799.0, day_start=10_000.0)) is not None
    rule.reset()
    assert rule.halted(make_ctx(equity=9_900.0, day_start=10_000.0)) is None


def test_unknown_equity_never_trips(make_ctx):
    assert MaxDrawdownRule().halted(make_ctx(equity=float("nan"), peak=10_000.0)) is None
    assert DailyLossRule().halted(make_ctx(equity=5.0, day_start=0.0)) is None
