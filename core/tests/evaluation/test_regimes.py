"""The regime rule on synthetic up, down and flat markets."""

from __future__ import annotations

import numpy as np
import pytest
from deepalpha.evaluation.regimes import classify, index_curve


def _walk(n: int, drift: float, vol: float, seed: int) -> np.ndarray:
    steps = np.random.default_rng(seed).normal(drift, vol, n)
    return 100.0 * np.exp(np.concatenate(([0.0], np.cumsum(steps))))


def test_a_rising_market_is_up() -> None:
    regime = classify([_walk(500, 0.002, 0.01, 1)])
    assert regime.label == "up"
    assert regime.log_return > regime.threshold > 0


def test_a_falling_market_is_down() -> None:
    assert classify([_walk(500, -0.002, 0.01, 2)]).label == "down"


def test_a_flat_choppy_market_is_sideways() -> None:
    closes = 100.0 + np.sin(np.arange(500) / 5.0)
    assert classify([closes]).label == "sideways"


def test_the_band_scales_with_volatility() -> None:
    # The same 10 % rise is a trend in a calm market and noise in a wild one.
    n = 500
    calm = _walk(n, 0.0, 0.002, 3)
    wild = _walk(n, 0.0, 0.05, 3)
    calm = calm * np.exp(np.linspace(0, np.log(1.1 * calm[0] / calm[-1]), n + 1))
    wild = wild * np.exp(np.linspace(0, np.log(1.1 * wild[0] / wild[-1]), n + 1))
    assert classify([calm]).label == "up"
    assert classify([wild]).label == "sideways"


def test_symbols_moving_apart_average_to_sideways() -> None:
    up = np.linspace(100, 150, 300)
    down = np.linspace(100, 50, 300)
    assert classify([up, down]).label == "sideways"
    assert index_curve([up, down])[-1] == pytest.approx(1.0)


def test_a_wider_band_calls_fewer_trends() -> None:
    series = [_walk(400, 0.0005, 0.01, k) for k in range(30)]
    narrow = sum(classify([s], band=0.25).label != "sideways" for s in series)
    wide = sum(classify([s], band=2.0).label != "sideways" for s in series)
    assert narrow > wide


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="band"):
        classify([np.ones(10)], band=-1)
    with pytest.raises(ValueError, match="closes"):
        classify([np.ones(10), np.ones(9)])
