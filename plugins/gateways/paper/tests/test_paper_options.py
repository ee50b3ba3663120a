import re
from decimal import Decimal

import pytest
from deepalpha_gateway_paper import PaperOptions


def test_defaults_are_the_documented_ones():
    opts = PaperOptions()
    assert opts.initial_cash == Decimal(10000)
    assert opts.fee_rate == Decimal("0.001")
    assert opts.slippage_bps == Decimal(5)
    assert opts.allow_short is False
    assert opts.quote == "USD"


def test_numbers_from_yaml_become_exact_decimals():
    opts = PaperOptions(initial_cash=2500.5, fee_rate=0.00075, slippage_bps="2.5")
    assert opts.initial_cash == Decimal("2500.5")
    assert opts.fee_rate == Decimal("0.00075")  # through repr, not the binary float
    assert opts.slippage_bps == Decimal("2.5")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("initial_cash", 0, "initial_cash: must be > 0, got 0"),
        ("initial_cash", "lots", "initial_cash: must be a number, got 'lots'"),
        ("initial_cash", True, "initial_cash: must be a number, got True"),
        ("initial_cash", float("nan"), "initial_cash: must be a finite number"),
        ("fee_rate", 1, "fee_rate: must be in [0, 1), got 1"),
        ("fee_rate", -0.1, "fee_rate: must be in [0, 1), got -0.1"),
        ("maker_fee_rate", 2, "maker_fee_rate: must be in [0, 1), got 2"),
        ("slippage_bps", 10000, "slippage_bps: must be in [0, 10000) basis points, got 10000"),
        ("quantity_step", 0, "quantity_step: must be > 0, got 0"),
        ("min_quantity", -1, "min_quantity: must be >= 0, got -1"),
        ("price_tick", -0.01, "price_tick: must be > 0, got -0.01"),
        ("quote", " ", "quote: must be a non-empty string, got ' '"),
        ("allow_short", "yes", "allow_short: must be true or false, got 'yes'"),
    ],
)
def test_bad_options_name_field_and_value(field, value, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        PaperOptions(**{field: value})


def test_the_core_config_loader_structures_and_reports_errors_by_key_path():
    from deepalpha.config.converter import structure
    from deepalpha.errors import ConfigError

    opts = structure({"initial_cash": 2500, "fee_rate": 0.00075}, PaperOptions, "gateway.options")
    assert opts.initial_cash == Decimal(2500) and opts.fee_rate == Decimal("0.00075")
    with pytest.raises(ConfigError, match=re.escape("gateway.options.fee_rate: must be in [0, 1)")):
        structure({"fee_rate": 2}, PaperOptions, "gateway.options")
    with pytest.raises(ConfigError, match="unknown key"):
        structure({"fees": 0.1}, PaperOptions, "gateway.options")
