"""Layered configuration: defaults, overlays, variables, strict validation, masking."""

from __future__ import annotations

import pytest
from deepalpha.config import load_config, mask_secrets, structure, to_dict
from deepalpha.config.schema import MIN_WEIGHT, Config
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
    weight=st.one_of(st.just(0.0), st.floats(MIN_WEIGHT, 10)),
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


# -- bad input in the file itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "lines"),
    [
        # the case found: a second `risk:` replaced the first whole, 1% stop-loss became 5%
        (
            "risk:\n  stop_loss: {options: {pct: 0.01}}\napp:\n  name: x\nrisk:\n"
            "  take_profit: {options: {pct: 0.2}}\n",
            "risk",
            (1, 5),
        ),
        (
            "decision:\n  threshold: 0.2\n  llm: {role: voter}\n  threshold: 0.3\n",
            "decision.threshold",
            (2, 4),
        ),
        (
            "agents:\n  technical:\n    options: {ema_fast: 5, ema_fast: 6}\n",
            "agents.technical.options.ema_fast",
            (3, 3),
        ),
        ("market:\n  symbols:\n    - {a: 1, a: 2}\n", "market.symbols[0].a", (3, 3)),
    ],
)
def test_a_key_given_twice_is_an_error_naming_it_and_both_lines(tmp_path, text, key, lines) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: key given twice")
    assert f"line {lines[0]} and line {lines[1]}" in message


def test_merge_keys_may_be_overridden_on_purpose(tmp_path) -> None:
    text = (
        "x-base: &base {enabled: true, weight: 2.0}\n"
        "agents:\n  technical:\n    <<: *base\n    weight: 0.5\n"
    )
    # `x-base` is not a config key: the merge works, then the unknown key is the only complaint
    with pytest.raises(ConfigError, match=r"unknown key\(s\) x-base"):
        load_config(_write(tmp_path, text))


def test_a_file_that_is_not_utf8_names_the_file_and_where(tmp_path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("app:\n  name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path} line 2, column 12: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


def test_a_byte_order_mark_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfapp:\n  name: bom\n")
    assert load_config(path).app.name == "bom"


def test_a_control_character_names_the_line(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"line 2: invalid YAML: character U\+0001"):
        load_config(_write(tmp_path, "app:\n  name: a\x01b\n"))


def test_an_empty_section_changes_nothing(tmp_path) -> None:
    """Decision: `risk:` with nothing under it is an empty mapping, so the defaults stand."""
    defaults = load_config()
    config = load_config(
        _write(tmp_path, "risk:\nagents:\ndecision:\n  llm:\nmarket:\n  options:\n")
    )
    assert config.risk == defaults.risk and set(config.risk) >= {"sizing", "stop_loss"}
    assert config.agents == defaults.agents
    assert config.decision == defaults.decision
    assert config.market.options == defaults.market.options


def test_an_empty_component_entry_is_enabled_with_defaults(tmp_path) -> None:
    config = load_config(_write(tmp_path, "agents:\n  trend:\n  technical: {options: }\n"))
    assert config.agents["trend"].enabled and config.agents["trend"].options == {}
    assert config.agents["technical"].weight == 1.0 and config.agents["technical"].options == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "market:\n  symbols: BTC/USD\n",
            "market.symbols: expected a list, got the string 'BTC/USD'; write [BTC/USD]",
        ),
        (
            "decision:\n  llm: {providers: smollm}\n",
            "decision.llm.providers: expected a list, got the string 'smollm'",
        ),
        ("market:\n  symbols: {BTC: 1}\n", "market.symbols: expected a list, got a mapping"),
        ("market:\n  symbols:\n", "market.symbols: expected a list, got nothing"),
        ("risk: [sizing]\n", "risk: expected a mapping, got ['sizing']"),
    ],
)
def test_the_wrong_shape_is_named(tmp_path, text, message) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert message in str(info.value)


def test_yaml_dates_are_iso_text(tmp_path) -> None:
    config = load_config(
        _write(tmp_path, "backtest:\n  start: 2019-01-01\n  end: 2019-02-01 12:30:00\n")
    )
    assert (config.backtest.start, config.backtest.end) == ("2019-01-01", "2019-02-01T12:30:00")


def test_an_unset_variable_names_the_file_it_was_written_in(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DA_MISSING", raising=False)
    path = _write(tmp_path, "app:\n  name: ${DA_MISSING}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: app.name: environment variable DA_MISSING")


# -- flat agent options (the product description's shape) ---------------------------------------


def test_flat_agent_keys_are_its_options(tmp_path) -> None:
    text = (
        "agents:\n"
        "  technical: {enabled: true, weight: 2.0, timeframes: [1m, 5m, 15m, 1h]}\n"
        "  pattern: {patterns: [hammer, doji, engulfing], options: {min_confidence: 0.5}}\n"
        "  trend: {periods: [7, 25, 99]}\n"
        "  risk: {max_position_per_symbol: 0.05}\n"
    )
    agents = load_config(_write(tmp_path, text)).agents
    assert agents["technical"].weight == 2.0
    assert agents["technical"].options == {"timeframes": ["1m", "5m", "15m", "1h"]}
    assert agents["pattern"].options == {
        "patterns": ["hammer", "doji", "engulfing"],
        "min_confidence": 0.5,
    }
    assert agents["trend"].options == {"periods": [7, 25, 99]}
    assert agents["risk"].options == {"max_position_per_symbol": 0.05}


def test_an_option_given_flat_and_under_options_is_an_error_naming_both(tmp_path) -> None:
    path = _write(tmp_path, "agents:\n  trend: {periods: [7], options: {periods: [9]}}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}: agents.trend.periods: given twice, as agents.trend.periods and as "
        "agents.trend.options.periods; keep one"
    )


def test_risk_rules_take_no_flat_keys(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"risk\.sizing: unknown key\(s\) fraction"):
        load_config(_write(tmp_path, "risk:\n  sizing: {fraction: 0.1}\n"))


def test_flat_options_round_trip_as_options(tmp_path) -> None:
    config = load_config(_write(tmp_path, "agents:\n  trend: {periods: [7, 25]}\n"))
    raw = to_dict(config)
    assert raw["agents"]["trend"] == {
        "enabled": True,
        "weight": 1.0,
        "options": {"periods": [7, 25]},
    }
    assert structure(raw, Config, "") == config


class TestFlatOptionErrorsNameTheKeyWhereItWasWritten:
    """Options structured later (by the plugin's options class) still name the flat key."""

    @staticmethod
    def _options(tmp_path, text):
        import attrs

        @attrs.frozen
        class Options:
            timeframes: tuple[str, ...] = attrs.field(
                default=("1h",),
                validator=attrs.validators.deep_iterable(attrs.validators.in_(["1m", "5m", "1h"])),
            )
            lookback: int = attrs.field(default=3, validator=attrs.validators.ge(2))

        options = load_config(_write(tmp_path, text)).agents["technical"].options
        return lambda: structure(options, Options, "agents.technical.options")

    def test_a_bad_value(self, tmp_path) -> None:
        build = self._options(tmp_path, "agents:\n  technical: {timeframes: [1m, 7m]}\n")
        with pytest.raises(ConfigError) as info:
            build()
        assert (
            str(info.value)
            == "agents.technical.timeframes: must be one of '1m', '5m', '1h'; got '7m'"
        )

    def test_a_string_for_a_list(self, tmp_path) -> None:
        build = self._options(tmp_path, "agents:\n  technical: {timeframes: 1h}\n")
        with pytest.raises(ConfigError, match=r"^agents\.technical\.timeframes: expected a list"):
            build()

    def test_nested_keys_keep_their_options_path(self, tmp_path) -> None:
        build = self._options(tmp_path, "agents:\n  technical: {options: {lookback: 1}}\n")
        with pytest.raises(ConfigError) as info:
            build()
        assert str(info.value) == "agents.technical.options.lookback: must be >= 2, got 1"

    def test_unknown_keys_are_named_where_written(self, tmp_path) -> None:
        build = self._options(
            tmp_path, "agents:\n  technical: {timeframez: [1h], options: {lookbak: 3}}\n"
        )
        with pytest.raises(ConfigError) as info:
            build()
        assert str(info.value) == (
            "agents.technical: unknown key(s) timeframez; valid keys: enabled, weight, options, "
            "timeframes, lookback; agents.technical.options: unknown key(s) lookbak; valid keys: "
            "timeframes, lookback"
        )


# -- attrs' validators, readable ------------------------------------------------------------------


def _attrs_error(**values) -> str:
    import attrs
    from attrs import validators as v

    @attrs.frozen
    class Options:
        role: str = attrs.field(default="voter", validator=v.in_(["voter", "arbiter"]))
        size: int = attrs.field(default=1, validator=v.instance_of(int))
        lookback: int = attrs.field(default=5, validator=[v.ge(2), v.lt(100)])
        name: str = attrs.field(default="ab", validator=[v.min_len(2), v.matches_re(r"[a-z]+")])

    with pytest.raises(ConfigError) as info:
        structure(values, Options, "agents.x.options")
    return str(info.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"role": "boss"}, "agents.x.options.role: must be one of 'voter', 'arbiter'; got 'boss'"),
        ({"lookback": 1}, "agents.x.options.lookback: must be >= 2, got 1"),
        ({"lookback": 100}, "agents.x.options.lookback: must be < 100, got 100"),
        ({"name": "a"}, "agents.x.options.name: length must be >= 2, got 1"),
        ({"name": "AB"}, "agents.x.options.name: must match '[a-z]+', got 'AB'"),
    ],
)
def test_attrs_validator_errors_read_as_one_line(values, message) -> None:
    assert _attrs_error(**values) == message


def test_describe_makes_any_attrs_error_readable() -> None:
    import attrs
    from deepalpha.errors import describe

    @attrs.frozen
    class Typed:
        size: int = attrs.field(validator=attrs.validators.instance_of(int))
        when: str = attrs.field(default="x", validator=attrs.validators.in_({"x", "y"}))

    with pytest.raises(TypeError) as info:
        Typed("3")
    assert describe(info.value) == "size: must be int, got '3' (str)"
    with pytest.raises(ValueError) as info:
        Typed(3, "z")
    assert describe(info.value) == "when: must be one of 'x', 'y'; got 'z'"
    assert describe(RuntimeError("two\n  lines")) == "two lines"


def test_in_source_names_the_file_once_and_keeps_the_error_class() -> None:
    from deepalpha.errors import ComponentBuildError, in_source

    error = in_source(ComponentBuildError("agent 'x' could not be built", "agent", "x"), "c.yaml")
    assert str(error) == "c.yaml: agent 'x' could not be built"
    assert isinstance(error, ComponentBuildError) and (error.kind, error.name) == ("agent", "x")
    assert in_source(error, "c.yaml") is error
    plain = ConfigError("market.timeframe: bad")
    assert in_source(plain, None) is plain


@pytest.mark.parametrize("weight", [1e-300, 5e-324, float("inf"), -1.0])
def test_weights_below_the_smallest_or_not_finite_are_refused(weight) -> None:
    with pytest.raises(ConfigError, match=r"agents\.technical\.weight: must be 0 \(off\)"):
        load_config(None, overrides={"agents": {"technical": {"weight": weight}}})


def test_llm_providers_in_the_seed_shape(tmp_path) -> None:
    """The product description writes provider options flat, without ``provider``."""
    path = tmp_path / "seed.yaml"
    path.write_text(
        "llm_providers:\n"
        "  openai: {api_key: sk-test, model: gpt-4, weight: 0.4}\n"
        "  anthropic: {api_key: a-test, model: claude-3-opus, weight: 0.3}\n"
        "  fast: {provider: openai, options: {model: gpt-4o-mini}}\n"
    )
    config = load_config(path, overrides={"llm_providers": {"fast": {"weight": 0.2}}})
    openai, anthropic, fast = (config.llm_providers[n] for n in ("openai", "anthropic", "fast"))
    # The file's flat model overrides the packaged default's options.model.
    assert (openai.provider, openai.weight) == ("openai", 0.4)
    assert openai.options == {"model": "gpt-4", "api_key": "sk-test"}
    assert (anthropic.provider, anthropic.options["model"]) == ("anthropic", "claude-3-opus")
    # A later layer that only changes the weight keeps the plugin an earlier layer named.
    assert (fast.provider, fast.weight, fast.options) == ("openai", 0.2, {"model": "gpt-4o-mini"})


def test_a_provider_key_given_flat_and_under_options_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"llm_providers\.openai\.model: given twice"):
        load_config(
            None,
            overrides={"llm_providers": {"openai": {"model": "a", "options": {"model": "b"}}}},
        )


def test_naming_another_component_drops_the_earlier_components_options(tmp_path) -> None:
    """The packaged defaults configure the `paper` gateway and the `file` source; a file naming
    another one starts from that one's own options, not paper's `initial_cash` or file's `path`."""
    path = tmp_path / "live.yaml"
    path.write_text(
        "gateway: {name: ccxt, options: {sandbox: true}}\n"
        "market: {source: ccxt, symbols: [BTC/USDT]}\n"
    )
    config = load_config(path)
    assert config.gateway.name == "ccxt" and config.gateway.options == {"sandbox": True}
    assert config.market.source == "ccxt" and config.market.options == {}
    # The same component named again keeps merging option by option.
    same = tmp_path / "same.yaml"
    same.write_text("gateway: {name: paper, options: {fee_rate: 0.002}}\n")
    options = load_config(same).gateway.options
    assert options["fee_rate"] == 0.002 and options["initial_cash"] == 10000
