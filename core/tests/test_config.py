"""Layered configuration: defaults, overlays, variables, strict validation, masking."""

from __future__ import annotations

import pytest
from deepalpha.config import load_config, mask_secrets, structure, to_dict
from deepalpha.config.schema import Config
from deepalpha.errors import ConfigError
from hypothesis import given, settings
from hypothesis import strategies as st


def _write(tmp_path, text: str):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_defaults_are_paper_on_bundled_data_with_the_offline_llm() -> None:
    config = load_config()
    assert config.gateway.name == "paper"
    assert config.live.enabled is False
    assert config.market.options["path"] == "bundled:btcusd-1h"
    assert config.decision.llm.providers == ("smollm",)
    assert config.storage.url.startswith("sqlite:///")


def test_overlays_merge_key_by_key(tmp_path) -> None:
    config = load_config(_write(tmp_path, "decision:\n  threshold: 0.3\n"), env="development")
    assert config.decision.threshold == 0.3
    assert config.decision.llm.providers == ("smollm",)  # untouched sibling keys survive
    assert config.app.log_level == "DEBUG"  # from the development overlay


def test_environment_variables_are_substituted(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DA_TEST_URL", "sqlite:///x.db")
    path = _write(
        tmp_path, "storage:\n  url: ${DA_TEST_URL}\napp:\n  name: ${DA_UNSET:-fallback}\n"
    )
    config = load_config(path)
    assert config.storage.url == "sqlite:///x.db"
    assert config.app.name == "fallback"


def test_an_unset_variable_names_the_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DA_MISSING", raising=False)
    with pytest.raises(ConfigError, match=r"storage\.url: environment variable DA_MISSING"):
        load_config(_write(tmp_path, "storage:\n  url: ${DA_MISSING}\n"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("decision:\n  threshold: 1.5\n", r"decision\.threshold: must be in \[0, 1\], got 1\.5"),
        ("decision:\n  llm: {role: boss}\n", r"decision\.llm\.role: must be one of 'voter'"),
        ("risk:\n  sizing: {enabledd: true}\n", r"risk\.sizing: unknown key\(s\) enabledd"),
        ("market:\n  timeframe: 3\n", r"market\.timeframe: expected a string, got 3"),
        ("live:\n  enabled: 'yes'\n", r"live\.enabled: expected true or false, got 'yes'"),
        ("nonsense: 1\n", r"<top level>: unknown key\(s\) nonsense"),
        ("market: [1, 2\n", r"line 2, column 1: invalid YAML: expected ',' or ']'"),
        ("- just\n- a list\n", r"expected a mapping at the top level"),
    ],
)
def test_errors_name_the_key_path_and_the_value(tmp_path, text, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))


def test_missing_file_and_unknown_environment() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("/nonexistent/deepalpha.yaml")
    with pytest.raises(ConfigError, match="environment 'staging' is not one of"):
        load_config(env="staging")


def test_secrets_are_masked() -> None:
    data = {
        "llm_providers": {"openai": {"options": {"api_key": "sk-live-123", "model": "m"}}},
        "storage": {"url": "postgresql+psycopg://u:hunter2@127.0.0.1/db"},
    }
    masked = mask_secrets(data)
    text = repr(masked)
    assert "sk-live-123" not in text and "hunter2" not in text
    assert masked["llm_providers"]["openai"]["options"]["model"] == "m"
    assert masked["storage"]["url"] == "postgresql+psycopg://u:***@127.0.0.1/db"


@settings(max_examples=50, deadline=None)
@given(
    threshold=st.floats(0, 1),
    weight=st.floats(0, 10),
    symbols=st.lists(st.text("ABCXYZ/", min_size=1, max_size=8), min_size=1, max_size=4),
    role=st.sampled_from(["voter", "arbiter"]),
    enabled=st.booleans(),
)
def test_config_round_trips(threshold, weight, symbols, role, enabled) -> None:
    raw = to_dict(load_config())
    raw["decision"]["threshold"] = threshold
    raw["decision"]["llm"]["role"] = role
    raw["agents"]["technical"]["weight"] = weight
    raw["market"]["symbols"] = symbols
    raw["live"]["enabled"] = enabled
    config = structure(raw, Config, "")
    assert structure(to_dict(config), Config, "") == config
    assert config.market.symbols == tuple(symbols)
