"""The distribution registers ``paper`` through the ``deepalpha`` entry point group."""

from importlib.metadata import entry_points

from deepalpha.gateways import Gateway
from deepalpha.records import GatewaySpec
from deepalpha_gateway_paper import PaperGateway, PaperOptions


def test_entry_point_is_installed():
    names = {ep.name: ep.value for ep in entry_points(group="deepalpha")}
    assert names.get("paper") == "deepalpha_gateway_paper.plugin"


def test_hook_returns_a_paper_gateway_spec():
    from deepalpha_gateway_paper import plugin

    (spec,) = plugin.register_gateways()
    assert isinstance(spec, GatewaySpec)
    assert (spec.name, spec.kind, spec.live, spec.options) == (
        "paper",
        "gateway",
        False,
        PaperOptions,
    )
    gateway = spec.build(PaperOptions(initial_cash=500))
    assert isinstance(gateway, PaperGateway) and isinstance(gateway, Gateway)
    assert gateway.portfolio().cash == 500
