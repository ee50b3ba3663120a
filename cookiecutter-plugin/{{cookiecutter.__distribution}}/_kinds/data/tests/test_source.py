"""The ``{{ cookiecutter.plugin_name }}`` data source against the engine's contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from deepalpha.errors import DataError
from deepalpha.testing import check_data_source, random_walk_bars

from {{ cookiecutter.__package }}.options import {{ cookiecutter.__class_prefix }}Options
from {{ cookiecutter.__package }}.plugin import build

SYMBOLS = ("BTC/USD", "ETH/USD")


def write_csv(path: Path, bars) -> None:
    lines = ["ts,open,high,low,close,volume"]
    lines += [f"{b.ts},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume!r}" for b in bars]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for n, symbol in enumerate(SYMBOLS):
        bars = random_walk_bars(200, symbol, seed=n)
        write_csv(tmp_path / f"{symbol.replace('/', '-')}_1h.csv", bars)
    return tmp_path


def test_honours_the_data_source_contract_for_two_symbols(folder: Path) -> None:
    source = build({{ cookiecutter.__class_prefix }}Options(folder=str(folder)))
    for n, symbol in enumerate(SYMBOLS):
        series = check_data_source(source, symbol, "1h")
        expected = random_walk_bars(200, symbol, seed=n)
        assert [b.ts for b in series.bars()] == [b.ts for b in expected]
        assert list(series.close) == [b.close for b in expected]  # repr round-trips floats
    assert source.symbols() == sorted(SYMBOLS)


def test_sees_a_file_that_grew(folder: Path) -> None:
    """A live run fetches again: a candle appended to the file must be served."""
    source = build({{ cookiecutter.__class_prefix }}Options(folder=str(folder)))
    assert len(source.fetch("ETH/USD", "1h")) == 200
    write_csv(folder / "ETH-USD_1h.csv", random_walk_bars(201, "ETH/USD", seed=1))
    assert len(source.fetch("ETH/USD", "1h")) == 201


def test_a_missing_file_names_the_path_it_expected(tmp_path: Path) -> None:
    source = build({{ cookiecutter.__class_prefix }}Options(folder=str(tmp_path)))
    with pytest.raises(DataError, match=r"SOL-USD_1h\.csv"):
        source.fetch("SOL/USD", "1h")


def test_a_bad_row_names_the_file_and_the_line(tmp_path: Path) -> None:
    (tmp_path / "BTC-USD_1h.csv").write_text(
        "ts,open,high,low,close,volume\n3600000,1,2,0.5,1.5,10\n7200000,1,2,oops,1.5,10\n"
    )
    source = build({{ cookiecutter.__class_prefix }}Options(folder=str(tmp_path)))
    with pytest.raises(DataError, match=r"BTC-USD_1h\.csv: line 3: .*oops"):
        source.fetch("BTC/USD", "1h")


def test_an_empty_folder_option_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"^folder: must be a non-empty path, got ''$"):
        {{ cookiecutter.__class_prefix }}Options(folder="")
