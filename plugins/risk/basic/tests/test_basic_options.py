import re
from decimal import Decimal

import pytest
from deepalpha_risk_basic import (
    DailyLossOptions,
    ExposureOptions,
    MaxDrawdownOptions,
    SizingOptions,
    StopLossOptions,
    TakeProfitOptions,
)


def test_defaults_are_the_documented_ones():
    assert SizingOptions().fraction == 0.02
    assert SizingOptions().quantity_step == Decimal("0.00000001")
    assert ExposureOptions().max_fraction == 0.10
    assert StopLossOptions().pct == 0.05 and StopLossOptions().trigger == "close"
    assert TakeProfitOptions().pct == 0.10
    assert MaxDrawdownOptions().max_drawdown == 0.20 and MaxDrawdownOptions().latch is True
    assert DailyLossOptions().max_loss == 0.05


@pytest.mark.parametrize(
    ("cls", "field", "value", "message"),
    [
        (SizingOptions, "fraction", 1.5, "fraction: must be in (0, 1], got 1.5"),
        (SizingOptions, "fraction", 0, "fraction: must be in (0, 1], got 0"),
        (SizingOptions, "fraction", float("nan"), "fraction: must be in (0, 1], got nan"),
        (SizingOptions, "fraction", "2%", "fraction: must be a number in (0, 1], got '2%'"),
        (SizingOptions, "fraction", True, "fraction: must be a number in (0, 1], got True"),
        (SizingOptions, "quantity_step", 0, "quantity_step: must be > 0, got 0"),
        (SizingOptions, "quantity_step", "tiny", "quantity_step: must be a number, got 'tiny'"),
        (ExposureOptions, "max_fraction", -0.1, "max_fraction: must be in (0, 1], got -0.1"),
        (StopLossOptions, "pct", 2, "pct: must be in (0, 1], got 2"),
        (StopLossOptions, "trigger", "low", "trigger: must be 'close' or 'extreme', got 'low'"),
        (TakeProfitOptions, "pct", 0.0, "pct: must be in (0, 1], got 0.0"),
        (MaxDrawdownOptions, "max_drawdown", 1.5, "max_drawdown: must be in (0, 1], got 1.5"),
        (MaxDrawdownOptions, "latch", "yes", "latch: must be true or false, got 'yes'"),
        (DailyLossOptions, "max_loss", 1.01, "max_loss: must be in (0, 1], got 1.01"),
    ],
)
def test_bad_options_name_field_and_value(cls, field, value, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        cls(**{field: value})


def test_a_whole_unit_is_allowed():
    assert SizingOptions(fraction=1).fraction == 1
    assert SizingOptions(quantity_step="0.001").quantity_step == Decimal("0.001")


def test_the_core_config_loader_reports_errors_by_key_path():
    from deepalpha.config.converter import structure
    from deepalpha.errors import ConfigError

    assert structure({"fraction": 0.05}, SizingOptions, "risk.sizing.options").fraction == 0.05
    with pytest.raises(
        ConfigError, match=re.escape("risk.sizing.options.fraction: must be in (0, 1], got 1.5")
    ):
        structure({"fraction": 1.5}, SizingOptions, "risk.sizing.options")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_leverage": 0}, "risk.account.options.max_leverage: must be a number > 0, got 0"),
        (
            {"max_daily_loss": 1.5},
            "risk.account.options.max_daily_loss: must be in (0, 1], got 1.5",
        ),
        ({"max_position": "lots"}, "risk.account.options.max_position"),
        ({"max_positon": 0.5}, "risk.account.options: unknown key(s) max_positon"),
    ],
)
def test_account_options_errors_name_the_key_path(options, message):
    from deepalpha.config.converter import structure
    from deepalpha.errors import ConfigError
    from deepalpha_risk_basic import AccountOptions

    with pytest.raises(ConfigError, match=re.escape(message)):
        structure(options, AccountOptions, "risk.account.options")


def test_new_limits_can_be_switched_off_with_null():
    from deepalpha.config.converter import structure
    from deepalpha_risk_basic import InstrumentOptions, StrategyOptions

    got = structure({"max_volatility": None, "stop_loss": None}, InstrumentOptions, "x")
    assert got.max_volatility is None and got.stop_loss is None
    strategy = structure({"max_consecutive_losses": None}, StrategyOptions, "x")
    assert strategy.max_consecutive_losses is None
    with pytest.raises(ValueError, match=r"max_consecutive_losses: must be a whole number >= 1"):
        StrategyOptions(max_consecutive_losses=0)
