"""The ``{{ cookiecutter.plugin_name }}`` rule against the risk-rule contract, on two symbols."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deepalpha.domain import OrderIntent, Portfolio, Position, Side
from deepalpha.risk import RiskContext
from deepalpha.testing import check_risk_rule

from {{ cookiecutter.__package }}.options import {{ cookiecutter.__class_prefix }}Options
from {{ cookiecutter.__package }}.plugin import build

PRICES = {"BTC/USD": 20_000.0, "ETH/USD": 1_500.0}


def context(prices=PRICES) -> RiskContext:
    held = Position("BTC/USD", Decimal("0.2"), Decimal("19000"))
    return RiskContext(
        ts=3_600_000,
        portfolio=Portfolio(cash=Decimal(10_000), positions={"BTC/USD": held}),
        prices=dict(prices),
        equity=13_800.0,
        peak_equity=14_000.0,
        day_start_equity=13_900.0,
    )


def buy(symbol: str, quantity: str | None) -> OrderIntent:
    return OrderIntent(symbol, Side.BUY, 3_600_000, None if quantity is None else Decimal(quantity))


@pytest.fixture
def rule():
    return build({{ cookiecutter.__class_prefix }}Options(max_notional=1000))


def test_orders_within_the_limit_pass_unchanged_on_both_symbols(rule) -> None:
    for intent in (buy("BTC/USD", "0.05"), buy("ETH/USD", "0.5")):  # 1000 and 750
        assert check_risk_rule(rule, intent, context()).intent == intent


def test_a_larger_order_is_shrunk_to_the_limit_at_its_own_symbols_price(rule) -> None:
    btc = check_risk_rule(rule, buy("BTC/USD", "0.1"), context())
    assert btc.intent.quantity == Decimal("0.05")  # 1000 / 20000
    eth = check_risk_rule(rule, buy("ETH/USD", "1"), context())
    # floor(1000 / 1500 on a 1e-8 grid), worked out in integers
    assert eth.intent.quantity == Decimal(1000 * 10**8 // 1500) / 10**8
    assert "-> 0.66666666" in eth.reason


def test_exits_always_pass(rule) -> None:
    exit_all = OrderIntent("BTC/USD", Side.SELL, 3_600_000, Decimal("10"), reduce_only=True)
    assert check_risk_rule(rule, exit_all, context()).intent == exit_all


@pytest.mark.parametrize(
    ("intent", "prices", "reason"),
    [
        (buy("SOL/USD", "1"), PRICES, "no price for SOL/USD"),
        (buy("BTC/USD", None), PRICES, "list 'sizing' before"),
    ],
)
def test_rejections_say_why(rule, intent, prices, reason) -> None:
    verdict = check_risk_rule(rule, intent, context(prices))
    assert not verdict.approved and reason in verdict.reason


def test_an_order_that_cannot_fit_one_step_is_rejected() -> None:
    rule = build({{ cookiecutter.__class_prefix }}Options(max_notional=10, quantity_step="0.001"))
    verdict = check_risk_rule(rule, buy("BTC/USD", "1"), context())
    assert not verdict.approved and "worth more than max_notional" in verdict.reason


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_notional": 0}, "max_notional: must be a number > 0, got 0"),
        ({"quantity_step": "lots"}, "quantity_step: must be a number > 0, got 'lots'"),
    ],
)
def test_bad_options_name_the_field(changes: dict, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        {{ cookiecutter.__class_prefix }}Options(**changes)
    assert str(excinfo.value) == message
