"""The distribution registers its rules through the ``deepalpha`` entry point group."""

from importlib.metadata import entry_points

from deepalpha.records import RiskRuleSpec
from deepalpha.risk import RiskRule


def test_entry_point_is_installed():
    names = {ep.name: ep.value for ep in entry_points(group="deepalpha")}
    assert names.get("basic") == "deepalpha_risk_basic.plugin"


def test_every_rule_builds_from_its_default_options():
    from deepalpha_risk_basic import plugin

    specs = plugin.register_risk_rules()
    assert [s.name for s in specs] == [
        "sizing",
        "exposure",
        "stop_loss",
        "take_profit",
        "max_drawdown",
        "daily_loss",
        "account",
        "strategy",
        "instrument",
        "precision",
        "max_notional",
        "price_band",
        "rate_limit",
    ]
    for spec in specs:
        assert isinstance(spec, RiskRuleSpec) and spec.kind == "risk"
        rule = spec.build(spec.options())
        assert isinstance(rule, RiskRule)
        assert rule.name == spec.name
        assert rule.options == spec.options()
