"""Drive agents the way the engine does: one instance per symbol, one History per symbol with the
run's timeframe, all Histories in one Market, bars of a timestamp handed out symbol by symbol."""

from __future__ import annotations

import pytest
from deepalpha.domain import Bar
from deepalpha.testing import bars_from_closes, bundled_bars, run_symbols

#: Agents driven as the engine drives them: the contract helper of ``deepalpha.testing``.
run_market = run_symbols


# Session-scoped: they hand out plain functions, and hypothesis tests may take them.
@pytest.fixture(scope="session")
def market_runner():
    return run_market


@pytest.fixture(scope="session")
def make_bars():
    return bars_from_closes


@pytest.fixture(scope="session")
def btc_bars() -> list[Bar]:
    return bundled_bars()
