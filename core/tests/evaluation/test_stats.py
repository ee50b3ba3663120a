"""The paired stationary bootstrap against cases whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from deepalpha.evaluation.stats import default_block, paired_bootstrap, resampled_means


def _noise(n: int, seed: int, scale: float = 0.01) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, n)


def test_identical_series_have_no_difference_and_p_one() -> None:
    r = _noise(500, 1)
    result = paired_bootstrap(r, r.copy(), samples=500)
    assert result.mean_diff == 0.0
    assert result.p_value == 1.0
    assert result.ci_low == result.ci_high == 0.0


def test_a_strong_constant_edge_is_significant() -> None:
    base = _noise(500, 2)
    better = base + 0.001 + _noise(500, 3, 0.0001)
    result = paired_bootstrap(better, base, samples=1000)
    assert result.p_value == pytest.approx(1 / 1001)
    assert result.mean_diff == pytest.approx(0.001, rel=0.05)
    assert result.ci_low > 0.0009 and result.ci_high < 0.0011


def test_a_strong_constant_loss_is_significant_too() -> None:
    base = _noise(400, 4)
    result = paired_bootstrap(base - 0.002, base, samples=500)
    assert result.p_value == pytest.approx(1 / 501)
    assert result.mean_diff == pytest.approx(-0.002)
    assert result.ci_high < 0


def test_two_independent_noise_series_are_rarely_called_different() -> None:
    # Under the null the p-value is about uniform: at 5 % about one pair in twenty is "different".
    p = [
        paired_bootstrap(_noise(300, 10 + k), _noise(300, 100 + k), samples=300, seed=k).p_value
        for k in range(40)
    ]
    assert sum(v < 0.05 for v in p) <= 6
    assert 0.3 < float(np.mean(p)) < 0.7


def test_the_interval_covers_the_true_mean_of_a_shifted_noise() -> None:
    d = 0.0005 + _noise(2000, 5)
    result = paired_bootstrap(d, np.zeros_like(d), samples=1000)
    assert result.ci_low < 0.0005 < result.ci_high


def test_resampled_means_are_means_of_the_values() -> None:
    x = np.arange(10.0)
    means = resampled_means(x, block=3.0, samples=200, rng=np.random.default_rng(0))
    assert means.shape == (200,)
    assert means.min() >= 0.0 and means.max() <= 9.0
    # A constant series resamples to itself, whatever the blocks.
    flat = resampled_means(np.full(50, 0.25), block=7.0, samples=50, rng=np.random.default_rng(1))
    assert np.allclose(flat, 0.25)


def test_blocks_keep_dependence_wider_intervals_for_a_persistent_series() -> None:
    # A slowly wandering series: blocks see its persistence, single bars do not.
    rng = np.random.default_rng(6)
    d = np.repeat(rng.normal(0, 0.01, 40), 25)
    iid = paired_bootstrap(d, np.zeros_like(d), samples=1000, block=1)
    blocked = paired_bootstrap(d, np.zeros_like(d), samples=1000, block=25)
    assert (blocked.ci_high - blocked.ci_low) > 2 * (iid.ci_high - iid.ci_low)


def test_seeded_and_reproducible() -> None:
    a, b = _noise(300, 7), _noise(300, 8)
    assert paired_bootstrap(a, b, seed=3) == paired_bootstrap(a, b, seed=3)


def test_default_block_is_cube_root() -> None:
    assert default_block(1000) == pytest.approx(10.0)
    assert default_block(1) == 1.0


@pytest.mark.parametrize(
    ("a", "b", "kw", "message"),
    [
        (np.zeros(3), np.zeros(4), {}, "paired"),
        (np.zeros(1), np.zeros(1), {}, "two paired"),
        (np.zeros(5), np.zeros(5), {"block": 0.5}, "block"),
        (np.zeros(5), np.zeros(5), {"samples": 0}, "samples"),
    ],
)
def test_bad_inputs_are_named(a, b, kw, message) -> None:
    with pytest.raises(ValueError, match=message):
        paired_bootstrap(a, b, **kw)
