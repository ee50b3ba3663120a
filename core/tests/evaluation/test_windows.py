"""Walk-forward windows and their specs."""

from __future__ import annotations

import pytest
from deepalpha.errors import UserError
from deepalpha.evaluation.windows import parse_span, walk_forward

H = 3_600_000
D = 24 * H


@pytest.mark.parametrize(
    ("spec", "ms"), [("90d", 90 * D), ("12w", 84 * D), ("48h", 48 * H), (" 7d ", 7 * D)]
)
def test_spans(spec, ms) -> None:
    assert parse_span(spec, "--window") == ms


@pytest.mark.parametrize("spec", ["3x", "90", "d", "0d", "-5d", "1.5d", "90 days", ""])
def test_unknown_spans_name_the_option(spec) -> None:
    with pytest.raises(UserError, match=r"^--step: .* is not a duration like 90d"):
        parse_span(spec, "--step")


def test_windows_step_through_the_data_and_drop_a_short_tail() -> None:
    windows = walk_forward(0, 100 * D, 30 * D, 20 * D, bar_ms=H)
    assert [(w.start // D, w.end // D) for w in windows] == [(0, 30), (20, 50), (40, 70), (60, 90)]
    assert [w.index for w in windows] == [1, 2, 3, 4]


def test_a_window_exactly_as_long_as_the_data_is_one_window() -> None:
    windows = walk_forward(5 * D, 35 * D, 30 * D, 10 * D, bar_ms=H)
    assert [(w.start, w.end) for w in windows] == [(5 * D, 35 * D)]


def test_a_step_longer_than_the_window_leaves_gaps() -> None:
    windows = walk_forward(0, 100 * D, 10 * D, 40 * D, bar_ms=H)
    assert [w.start // D for w in windows] == [0, 40, 80]


def test_a_window_longer_than_the_data_names_the_option() -> None:
    with pytest.raises(UserError, match=r"^--window: 90d is longer than the data \(30\.0 days"):
        walk_forward(0, 30 * D, 90 * D, 30 * D, bar_ms=H, window="90d")


def test_a_window_of_fewer_than_two_bars_is_refused() -> None:
    with pytest.raises(UserError, match=r"^--window: 1h holds fewer than two bars"):
        walk_forward(0, 30 * D, H, H, bar_ms=H, window="1h")


def test_labels_are_dates() -> None:
    (window,) = walk_forward(1_514_764_800_000, 1_514_764_800_000 + 7 * D, 7 * D, 7 * D, bar_ms=H)
    assert window.label() == "2018-01-01 to 2018-01-08"


def test_day_windows_start_at_the_first_midnight() -> None:
    windows = walk_forward(11 * H, 40 * D, 10 * D, 10 * D, bar_ms=H)
    assert [w.start for w in windows] == [D, 11 * D, 21 * D]


def test_hour_windows_and_a_tight_fit_keep_the_first_bar() -> None:
    assert walk_forward(11 * H, 40 * D, 48 * H, 30 * H, bar_ms=H)[0].start == 11 * H
    assert walk_forward(11 * H, 11 * H + 10 * D, 10 * D, D, bar_ms=H)[0].start == 11 * H
