"""Headline times (offsets, formats, undated) and de-duplication."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone

import pytest
from deepalpha_agent_news.headlines import (
    Deduplicator,
    Headline,
    dedupe,
    normalise_title,
    parse_time,
)
from hypothesis import given
from hypothesis import strategies as st
from news_helpers import ms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Worked by hand: local time minus offset is UTC.
        ("2018-01-05T10:00:00+02:00", ms(2018, 1, 5, 8, 0)),
        ("2018-01-05T10:00:00Z", ms(2018, 1, 5, 10, 0)),
        ("2018-01-05T10:00:00+0200", ms(2018, 1, 5, 8, 0)),
        ("2018-01-05 03:30:00-05:30", ms(2018, 1, 5, 9, 0)),
        ("2018-01-05T00:30:00+05:45", ms(2018, 1, 4, 18, 45)),  # crosses midnight backwards
        ("2018-01-05", ms(2018, 1, 5)),  # a date alone is midnight UTC
        ("2018-01-05T10:00:00", ms(2018, 1, 5, 10, 0)),  # no offset: UTC
        ("Fri, 05 Jan 2018 10:00:00 +0200", ms(2018, 1, 5, 8, 0)),
        ("Fri, 05 Jan 2018 10:00:00 GMT", ms(2018, 1, 5, 10, 0)),
        ("Fri, 05 Jan 2018 10:00:00 EST", ms(2018, 1, 5, 15, 0)),
        ("1515146400", ms(2018, 1, 5, 10, 0)),  # epoch seconds
        ("1515146400000", ms(2018, 1, 5, 10, 0)),  # epoch milliseconds
    ],
)
def test_times_with_offsets_mean_the_right_instant(text: str, expected: int) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "2018-13-45", True, float("nan"), -5])
def test_no_usable_time_is_none(value) -> None:
    assert parse_time(value) is None


@given(
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1)),
    st.integers(-14 * 60, 14 * 60),
)
def test_any_offset_round_trips_to_the_same_instant(local: datetime, offset_min: int) -> None:
    local = local.replace(microsecond=local.microsecond // 1000 * 1000)
    zone = timezone(timedelta(minutes=offset_min))
    aware = local.replace(tzinfo=zone)
    # Independent arithmetic: the wall time as if UTC, minus the offset.
    expected = calendar.timegm(local.timetuple()) * 1000 + local.microsecond // 1000
    expected -= offset_min * 60_000
    assert parse_time(aware.isoformat()) == expected
    assert parse_time(aware) == expected


def test_naive_datetime_is_utc() -> None:
    assert parse_time(datetime(2019, 3, 1, 12)) == ms(2019, 3, 1, 12)
    assert parse_time(datetime(2019, 3, 1, 12, tzinfo=UTC)) == ms(2019, 3, 1, 12)


def h(ident: str, title: str, t: int, source: str = "Wire", currencies=()) -> Headline:
    return Headline(ident, title, t, source, currencies)


def test_same_id_is_one_story_and_the_earliest_copy_wins() -> None:
    later = h("a", "Bitcoin up", ms(2018, 1, 2))
    earlier = h("a", "Bitcoin up (corrected)", ms(2018, 1, 1))
    assert dedupe([later, earlier]) == [earlier]


def test_same_title_and_source_is_one_story_whatever_the_case_and_punctuation() -> None:
    a = h("1", "Bitcoin rallies after ETF approval", ms(2018, 1, 1, 8))
    b = h("2", "  BITCOIN rallies -- after ETF approval!", ms(2018, 1, 1, 9), source="wire ")
    assert dedupe([b, a]) == [a]


def test_other_source_or_other_week_is_another_story() -> None:
    a = h("1", "Daily market update", ms(2018, 1, 1, 8))
    other_source = h("2", "Daily market update", ms(2018, 1, 1, 8), source="Desk")
    next_week = h("3", "Daily market update", ms(2018, 1, 8, 8))
    assert dedupe([a, other_source, next_week]) == [a, other_source, next_week]


def test_deduplicator_is_order_independent_within_the_window() -> None:
    seen = Deduplicator()
    assert seen.first(h("1", "Story", ms(2018, 1, 3)))
    assert not seen.first(h("2", "story.", ms(2018, 1, 1)))  # an earlier copy arriving late


def test_normalised_titles() -> None:
    assert normalise_title(
        "  \uff22itcoin\u00a0UP!!  "
    )  # fullwidth B, no-break space == "bitcoin up"


def test_currencies_are_upper_case_codes_without_repeats() -> None:
    assert h("1", "x", 1, currencies="btc, ETH;btc").currencies == ("BTC", "ETH")
    assert h("1", "x", 1, currencies=["eth", " sol "]).currencies == ("ETH", "SOL")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("", "t", 1), "id: must be a non-empty string"),
        (("i", " ", 1), "title: must be a non-empty string"),
        (("i", "t", None), "published_at: must be epoch milliseconds"),
        (("i", "t", 0), "published_at: must be epoch milliseconds"),
    ],
)
def test_a_headline_needs_id_title_and_time(fields, message) -> None:
    with pytest.raises(ValueError, match=message):
        Headline(*fields)


def test_rows_without_a_time_are_dropped_and_bad_times_are_errors() -> None:
    assert Headline.from_mapping({"title": "x"}, where="row 1") is None
    assert Headline.from_mapping({"title": "x", "published_at": ""}, where="row 1") is None
    with pytest.raises(ValueError, match=r"^f.json, row 2: published_at: 'yesterday' is not a"):
        Headline.from_mapping({"title": "x", "published_at": "yesterday"}, where="f.json, row 2")
    with pytest.raises(ValueError, match=r"^row 3: title: missing or empty"):
        Headline.from_mapping({"published_at": "2018-01-01"}, where="row 3")


def test_rows_without_id_get_a_stable_one() -> None:
    row = {"title": "Bitcoin up", "published_at": "2018-01-01T00:00:00Z", "source": "S"}
    a = Headline.from_mapping(row, where="r")
    b = Headline.from_mapping(dict(row), where="r")
    assert a.id == b.id and a.id.startswith("h:")
    assert Headline.from_mapping({**row, "title": "Bitcoin down"}, where="r").id != a.id
