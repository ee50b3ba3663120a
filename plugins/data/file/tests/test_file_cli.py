"""``deepalpha data list`` through the plugin's register_commands hook on a bare click group."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from deepalpha.data import BarSeries
from deepalpha.errors import UserError
from deepalpha_data_file import plugin
from deepalpha_data_file.storage import write_parquet


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("deepalpha")
    plugin.register_commands(cli=group)
    return group


def test_list_shows_bundled_and_datadir_files(cli, tmp_path):
    series = BarSeries("ETH/USDT", "4h", [0, 14_400_000], [1, 2], [2, 3], [0, 1], [1, 2], [5, 6])
    write_parquet(series, tmp_path / "ETH_USDT-4h.parquet")
    (tmp_path / "BTC_USDT-1h.csv").write_text("date,open,high,low,close,volume\n2024,x\n")
    (tmp_path / "notes.txt.bak").write_text("ignored")
    result = CliRunner().invoke(cli, ["data", "list", "--datadir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert entries[0] == {
        "source": "bundled:btcusd-1h",
        "label": "BTC/USD 1h (CryptoDataDownload)",
        "symbol": "BTC/USD",
        "timeframe": "1h",
        "rows": 20111,
        "first": "2017-07-01 11:00",
        "last": "2019-10-17 09:00",
    }
    broken, eth = entries[1], entries[2]
    assert broken["source"].endswith("BTC_USDT-1h.csv")
    assert "line 2, column 'high': missing" in broken["error"]
    assert eth["symbol"] == "ETH/USDT" and eth["rows"] == 2 and eth["last"] == "1970-01-01 04:00"


def test_list_table_and_missing_folders(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["data", "list"])
    assert result.exit_code == 0, result.output
    assert "bundled:btcusd-1h" in result.output and "20,111" in result.output
    assert "no folder data" in result.output
    result = CliRunner().invoke(cli, ["data", "list", "--datadir", "elsewhere"])
    assert isinstance(result.exception, UserError)
    assert str(result.exception) == "--datadir elsewhere: no such folder"


def test_data_group_is_shared_with_other_plugins():
    group = click.Group("deepalpha")

    @group.group("data")
    def data() -> None:
        """Existing."""

    plugin.register_commands(cli=group)
    assert group.commands["data"] is data
    assert "list" in data.commands


def test_registration_record_and_entry_point():
    from importlib.metadata import entry_points

    (spec,) = plugin.register_data_sources()
    assert spec.name == "file" and spec.kind == "data"
    source = spec.build(spec.options())
    assert len(source.fetch("BTC/USD", "1h", 1_500_000_000_000, 1_500_007_200_000)) == 2
    names = {ep.name: ep.value for ep in entry_points(group="deepalpha")}
    assert names["file"] == "deepalpha_data_file.plugin"
