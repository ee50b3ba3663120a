"""The plugin registers `deepalpha freqtrade`; `init` refuses to overwrite; the market server."""

from __future__ import annotations

import json
import urllib.request

import click
import pytest
from click.testing import CliRunner
from deepalpha.errors import UserError
from deepalpha_freqtrade import plugin
from deepalpha_freqtrade.markets import MarketServer, ccxt_overlay


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("deepalpha")
    plugin.register_commands(cli=group)
    return group


def test_commands_are_registered(cli):
    result = CliRunner().invoke(cli, ["freqtrade", "--help"])
    assert result.exit_code == 0, result.output
    assert "init" in result.output and "backtest" in result.output


def test_init_refuses_to_overwrite(cli, tmp_path):
    pytest.importorskip("freqtrade")
    (tmp_path / "config.json").write_text("{}")
    result = CliRunner().invoke(cli, ["freqtrade", "init", str(tmp_path), "--candles", "60"])
    # The deepalpha CLI prints a UserError as one line; a bare group leaves it on the result.
    assert isinstance(result.exception, UserError)
    assert "--force" in str(result.exception)
    assert json.loads((tmp_path / "config.json").read_text()) == {}


def test_market_server_answers_exchange_info_only():
    with MarketServer(["BTC/USD", "SYN/USD"]) as server:
        with urllib.request.urlopen(server.url + "/api/v3/exchangeInfo", timeout=5) as answer:
            info = json.load(answer)
        assert [s["symbol"] for s in info["symbols"]] == ["BTCUSD", "SYNUSD"]
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(server.url + "/api/v3/klines", timeout=5)
        assert server.requests == ["/api/v3/exchangeInfo", "/api/v3/klines"]


def test_ccxt_loads_the_markets_from_loopback():
    import ccxt

    with MarketServer(["BTC/USD"]) as server:
        exchange = ccxt.binance(ccxt_overlay(server.url))
        markets = exchange.load_markets()
    assert list(markets) == ["BTC/USD"]
    assert markets["BTC/USD"]["limits"]["cost"]["min"] == 5.0
    assert server.requests == ["/api/v3/exchangeInfo"]
    # Every REST address of the exchange points at the loopback server.
    assert all(url.startswith(server.url) for url in exchange.urls["api"].values())
