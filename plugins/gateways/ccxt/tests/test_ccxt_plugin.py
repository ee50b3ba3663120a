"""Registration, the real-money flag, and option validation."""

from importlib.metadata import entry_points

import pytest
from deepalpha.records import GatewaySpec
from deepalpha_gateway_ccxt import CcxtGatewayOptions


def test_entry_point_registers_a_live_gateway():
    names = {ep.name: ep.value for ep in entry_points(group="deepalpha")}
    assert names.get("gateway-ccxt") == "deepalpha_gateway_ccxt.plugin"
    from deepalpha_gateway_ccxt import plugin

    (spec,) = plugin.register_gateways()
    assert isinstance(spec, GatewaySpec)
    assert (spec.name, spec.kind, spec.live, spec.options) == (
        "ccxt", "gateway", True, CcxtGatewayOptions)  # fmt: skip


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"exchange": "kraken"}, "exchange: the ccxt gateway supports binance"),
        ({"api_key_env": "not a name"}, "api_key_env: must be the name of an environment"),
        ({"sandbox": "yes"}, "sandbox: must be true or false"),
        ({"base_url": "ftp://x"}, "base_url: must be an http"),
        ({"recv_window": 0}, "recv_window: must be an integer in [1, 60000]"),
        ({"symbols": ["BTC/USDT"]}, "symbols: must map DeepAlpha symbols"),
        ({"client_id_prefix": "has space"}, "client_id_prefix: must be 1-20 characters"),
    ],
)
def test_bad_options_name_the_option(options, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        CcxtGatewayOptions(**options)


def test_defaults_read_keys_from_binance_variables():
    opts = CcxtGatewayOptions()
    assert (opts.api_key_env, opts.secret_env, opts.sandbox, opts.base_url) == (
        "BINANCE_API_KEY", "BINANCE_SECRET", False, None)  # fmt: skip


def test_sandbox_flag_reaches_ccxt(helpers):
    from deepalpha_gateway_ccxt import CcxtGateway

    gateway = CcxtGateway(CcxtGatewayOptions(sandbox=True), environ=dict(helpers.ENV))
    exchange = gateway._build_exchange()
    assert exchange.isSandboxModeEnabled
    assert "testnet" in exchange.urls["api"]["private"]
