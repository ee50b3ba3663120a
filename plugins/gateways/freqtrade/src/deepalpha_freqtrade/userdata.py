"""A ready freqtrade ``user_data`` folder: strategy, configuration, DeepAlpha settings and candles.

``write_user_data(dest)`` writes

- ``strategies/deepalpha_strategy.py``: ``class DeepAlpha(DeepAlphaStrategy)`` reading
  ``deepalpha.yaml``;
- ``deepalpha.yaml``: which agents run and how decisions are made (``deepalpha run``'s schema);
- ``config.json``: freqtrade's configuration (spot, a static pair list, dry-run wallet, the
  candles in freqtrade's default ``feather`` format);
- ``data/binance/BTC_USD-1h.feather``: DeepAlpha's bundled BTC/USD 1h candles (real data, see the
  ``file`` data plugin's PROVENANCE.md), written by freqtrade's own data handler;
- ``data/binance/SYN_USD-1h.feather``: a **synthetic** second pair for multi-pair runs,
  :func:`inverse` of BTC/USD (every price ``p`` becomes ``k / p``, with ``k`` chosen so the first
  open is unchanged; high and low swap roles; same volume). It is deterministic and not a market.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

EXCHANGE = "binance"
TIMEFRAME = "1h"
REAL_PAIR = "BTC/USD"
SYNTHETIC_PAIR = "SYN/USD"
PAIRS = (REAL_PAIR, SYNTHETIC_PAIR)
STRATEGY = "DeepAlpha"

#: The agents of the generated ``deepalpha.yaml``, enabled or not. pattern and news are off: the
#: news agent's only offline headlines are its synthetic SAMPLE folder, meaningless for a
#: backtest of 2017-2019 candles.
AGENTS = {
    "technical": {"enabled": True, "weight": 1.0},
    "trend": {"enabled": True, "weight": 1.0},
    "risk": {"enabled": True, "weight": 1.0},
    "pattern": {"enabled": False, "weight": 0.5},
    "news": {"enabled": False, "weight": 0.5},
}

STRATEGY_FILE = '''"""DeepAlpha's agents and decision engine as a freqtrade strategy.

Written by `deepalpha freqtrade init`. What runs is set in deepalpha.yaml (next to this folder);
class attributes (deepalpha_agents, deepalpha_decision, deepalpha_llm) or a "deepalpha" section
in config.json override it. See the deepalpha-gateway-freqtrade README.
"""

from deepalpha_freqtrade import DeepAlphaStrategy


class DeepAlpha(DeepAlphaStrategy):
    timeframe = "1h"
    can_short = False
    deepalpha_config = "deepalpha.yaml"
    # LLM consultation at decision points: off for backtests. On, the providers configured in
    # deepalpha.yaml are asked, and answers are recorded in and replayed from storage.url.
    deepalpha_llm = False
'''


def bundled_candles(candles: int | None = None) -> dict[str, np.ndarray]:
    """The bundled BTC/USD 1h candles (the first ``candles`` of them), through the installed
    ``file`` data source."""
    from deepalpha.plugins import get_plugin_manager

    spec = get_plugin_manager().resolve("data", "file")
    series = spec.build(spec.options(path="bundled:btcusd-1h")).fetch(REAL_PAIR, TIMEFRAME)
    stop = None if candles is None else int(candles)
    return {
        "ts": np.asarray(series.ts[:stop], dtype=np.int64),
        "open": np.asarray(series.open[:stop], dtype=float),
        "high": np.asarray(series.high[:stop], dtype=float),
        "low": np.asarray(series.low[:stop], dtype=float),
        "close": np.asarray(series.close[:stop], dtype=float),
        "volume": np.asarray(series.volume[:stop], dtype=float),
    }


def inverse(candles: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The synthetic mirror of ``candles``: ``k / price`` with ``k = open[0] ** 2``, rounded to
    cents (the market's tick); the inverse of the low is the new high."""
    k = float(candles["open"][0]) ** 2

    def inv(x: np.ndarray) -> np.ndarray:
        return np.round(k / x, 2)

    return {
        "ts": candles["ts"].copy(),
        "open": inv(candles["open"]),
        "high": inv(candles["low"]),
        "low": inv(candles["high"]),
        "close": inv(candles["close"]),
        "volume": candles["volume"].copy(),
    }


def write_candles(
    datadir: Path, pair: str, candles: dict[str, np.ndarray], timeframe: str = TIMEFRAME
) -> Path:
    """Store ``candles`` for ``pair`` with freqtrade's own data handler (``feather``)."""
    import pandas as pd
    from freqtrade.data.history import get_datahandler
    from freqtrade.enums import CandleType
    from freqtrade.misc import pair_to_filename

    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(candles["ts"], unit="ms", utc=True),
            "open": candles["open"],
            "high": candles["high"],
            "low": candles["low"],
            "close": candles["close"],
            "volume": candles["volume"],
        }
    )
    datadir.mkdir(parents=True, exist_ok=True)
    handler = get_datahandler(datadir, "feather")
    handler.ohlcv_store(pair, timeframe, frame, CandleType.SPOT)
    return datadir / f"{pair_to_filename(pair)}-{timeframe}.feather"


def freqtrade_config(pairs: Sequence[str] = PAIRS, *, stake_amount: float = 100.0) -> dict:
    """freqtrade's configuration of the generated folder (spot, dry-run wallet in USD)."""
    quotes = {p.partition("/")[2] for p in pairs}
    if len(quotes) != 1:
        raise ValueError(f"pairs: one quote currency expected, got {sorted(quotes)}")
    return {
        "max_open_trades": len(pairs),
        "stake_currency": quotes.pop(),
        "stake_amount": stake_amount,
        "tradable_balance_ratio": 0.99,
        "dry_run": True,
        "dry_run_wallet": 10000,
        "timeframe": TIMEFRAME,
        "trading_mode": "spot",
        "dataformat_ohlcv": "feather",
        "strategy": STRATEGY,
        "exchange": {
            "name": EXCHANGE,
            "key": "",
            "secret": "",
            "pair_whitelist": list(pairs),
            "pair_blacklist": [],
        },
        "pairlists": [{"method": "StaticPairList"}],
        "entry_pricing": {"price_side": "same", "use_order_book": False},
        "exit_pricing": {"price_side": "same", "use_order_book": False},
    }


def deepalpha_yaml(store: Path) -> str:
    lines = [
        "# DeepAlpha settings of the freqtrade strategy (deepalpha run's configuration schema;",
        "# the strategy reads agents, llm_providers, decision and storage).",
        "agents:",
    ]
    for name, cfg in AGENTS.items():
        enabled = str(cfg["enabled"]).lower()
        lines.append(f"  {name}: {{enabled: {enabled}, weight: {cfg['weight']}}}")
    lines += [
        "decision:",
        "  threshold: 0.1",
        "  min_confidence: 0.0",
        "  llm:",
        "    # Asked only when the strategy's deepalpha_llm is true.",
        "    providers: [smollm]",
        "    record: true        # answers are recorded and replayed from storage.url",
        "    replay_only: false  # true: an unrecorded question holds instead of asking",
        "storage:",
        f"  url: sqlite:///{store.as_posix()}",
        "",
    ]
    return "\n".join(lines)


def write_user_data(
    dest: str | Path, *, candles: int | None = None, force: bool = False
) -> dict[str, Any]:
    """Write the folder (see the module docstring); returns what was written."""
    dest = Path(dest).resolve()
    config_path = dest / "config.json"
    if config_path.exists() and not force:
        raise FileExistsError(f"{config_path} exists; pass force=True (--force) to overwrite")
    (dest / "strategies").mkdir(parents=True, exist_ok=True)
    datadir = dest / "data" / EXCHANGE
    real = bundled_candles(candles)
    files = {
        REAL_PAIR: write_candles(datadir, REAL_PAIR, real),
        SYNTHETIC_PAIR: write_candles(datadir, SYNTHETIC_PAIR, inverse(real)),
    }
    config_path.write_text(json.dumps(freqtrade_config(), indent=2) + "\n")
    (dest / "deepalpha.yaml").write_text(deepalpha_yaml(dest / "deepalpha.db"))
    strategy = dest / "strategies" / "deepalpha_strategy.py"
    strategy.write_text(STRATEGY_FILE)
    return {
        "user_data": dest,
        "config": config_path,
        "deepalpha": dest / "deepalpha.yaml",
        "strategy": strategy,
        "data": files,
        "candles": len(real["ts"]),
    }
