"""``prepare``: every configuration a run refuses is refused before it runs, naming the key path."""

from __future__ import annotations

import logging
import os
import types
from datetime import UTC, datetime

import attrs
import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.config import load_config, load_raw
from deepalpha.engine.prepare import Prepared, Window, prepare
from deepalpha.entrypoints import EntryPoint, entry_points
from deepalpha.errors import ConfigError, PluginError, UserError
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec, GatewaySpec


@pytest.fixture(autouse=True)
def _no_loader_environment(monkeypatch) -> None:
    monkeypatch.delenv("DEEPALPHA_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("DEEPALPHA_LOAD_PLUGINS", raising=False)


class Quiet(Agent):
    def on_bar(self, bar, history):
        return None


def _needs_torch():
    import deepalpha_heavy_dependency_not_installed  # noqa: F401


@attrs.frozen
class PickyOptions:
    periods: tuple[int, ...] = (7, 25)


class Picky(Agent):
    """Checks its options when built, as agents do for rules their options class cannot state."""

    def __init__(self, options: PickyOptions) -> None:
        if list(options.periods) != sorted(options.periods):
            raise ValueError(f"periods: must be increasing, got {list(options.periods)}")

    def on_bar(self, bar, history):
        return None


def _hooks(**hooks) -> types.SimpleNamespace:
    return types.SimpleNamespace(**{name: hookimpl(fn) for name, fn in hooks.items()})


TEST_PLUGIN = _hooks(
    register_agents=lambda: [
        AgentSpec(name="quiet", factory=Quiet),
        AgentSpec(name="needs_torch", factory=_needs_torch),
        AgentSpec(name="not_an_agent", factory=lambda: 42),
        AgentSpec(name="picky", factory=Picky, options=PickyOptions),
    ],
    register_gateways=lambda: [GatewaySpec(name="realmoney", factory=object, live=True)],
)


@pytest.fixture(scope="module")
def plugins():
    """The installed plugins (data file, paper gateway, basic risk, LLMs) plus test agents."""
    return load_plugins(extra=[("testagents", TEST_PLUGIN)], allow=None, strict=False)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


#: The packaged default agents, each turned off, so a test names the agents it is about.
ALL_OFF = {name: {"enabled": False} for name in load_raw()["agents"]}


def _config(**sections):
    """The defaults with the test agent alone and no LLM, then ``sections`` merged over them."""
    base = {
        "agents": {**ALL_OFF, "quiet": {}},
        "decision": {"llm": {"providers": []}},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return load_config(overrides=base)


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_prepared_holds_what_the_run_needs(plugins, workdir) -> None:
    config = _config(backtest={"start": "2019-01-01", "end": "2019-02-01T12:00"})
    prepared = prepare(config, "backtest", plugins)
    try:
        assert isinstance(prepared, Prepared)
        assert prepared.window == Window("backtest", _ms("2019-01-01"), _ms("2019-02-01T12:00"))
        assert prepared.step_ms == 3_600_000
        assert [a.name for a in prepared.components.agents] == ["quiet"]
        assert isinstance(prepared.components.agents[0].agent, Quiet)
        assert len(prepared.components.risk) == len(config.risk)
        assert prepared.report_dir == workdir.joinpath("reports").relative_to(workdir)
        assert prepared.database == "sqlite:///data/deepalpha.db"
        assert prepared.warnings == ()
    finally:
        prepared.close()
    # nothing was created: no database, no folder for it, no report folder
    assert list(workdir.iterdir()) == []


def test_paper_mode_reads_the_paper_window_and_validation_checks_both(plugins, workdir) -> None:
    config = _config(paper={"start": "2019-09-01", "end": None})
    prepared = prepare(config, "paper", plugins)
    prepared.close()
    assert prepared.window == Window("paper", _ms("2019-09-01"), None)
    checked = prepare(config, None, plugins)
    checked.close()
    assert checked.window is None and set(checked.windows) == {"backtest", "paper"}
    live_feed = prepare(_config(paper={"feed": "live", "start": "nonsense"}), "paper", plugins)
    live_feed.close()
    assert live_feed.window is None  # a live feed has no window, so its dates are not read


@pytest.mark.parametrize(
    ("sections", "mode", "message"),
    [
        (
            {"market": {"timeframe": "7m"}},
            None,
            "market.timeframe: '7m' is not a timeframe; valid:",
        ),
        (
            {"market": {"symbols": ["BTC/USD", "ETH/USD", "BTC/USD"]}},
            None,
            "market.symbols[2]: 'BTC/USD' is listed twice",
        ),
        ({"market": {"symbols": [" "]}}, None, "market.symbols[0]: a symbol must not be empty"),
        (
            {"backtest": {"start": "yesterday"}},
            "backtest",
            "backtest.start: not an ISO date or datetime: 'yesterday'",
        ),
        ({"backtest": {"end": "2019-13-01"}}, None, "backtest.end: not an ISO date or datetime"),
        (
            {"backtest": {"start": "2019-02-01", "end": "2019-01-01"}},
            "backtest",
            "backtest.start: 2019-02-01 is not before backtest.end 2019-01-01",
        ),
        (
            {"backtest": {"start": "2019-02-01", "end": "2019-02-01"}},
            "backtest",
            "backtest.start: 2019-02-01 is not before backtest.end 2019-02-01 "
            "(the end is exclusive)",
        ),
        (
            {"paper": {"start": "2019-09-01", "end": "2019-08-01"}},
            "paper",
            "paper.start: 2019-09-01",
        ),
        ({"paper": {"end": "soon"}}, None, "paper.end: not an ISO date or datetime: 'soon'"),
        (
            {"agents": {**ALL_OFF, "quiet": {"enabled": False}}},
            None,
            f"agents: no agent is enabled (configured: {', '.join([*ALL_OFF, 'quiet'])}); enable "
            "at least one",
        ),
        (
            {"decision": {"llm": {"providers": ["claude"]}}},
            None,
            "decision.llm.providers[0]: 'claude' is not configured under llm_providers "
            "(configured: smollm, openai)",
        ),
        (
            {"decision": {"llm": {"providers": ["smollm", "smollm"]}}},
            None,
            "decision.llm.providers[1]: 'smollm' is listed twice",
        ),
        (
            {"storage": {"url": "mysql://me:hunter2@db/trading"}},
            None,
            "storage.url: unsupported database mysql://me:***@db/trading",
        ),
        ({"storage": {"url": "not a url"}}, None, "storage.url: 'not a url' is not a database URL"),
        ({"agents": {"nope": {}}}, None, "agents.nope: unknown agent 'nope'; valid names:"),
        ({"market": {"source": "csvv"}}, None, "market.source: unknown data source 'csvv'"),
        ({"gateway": {"name": "binance"}}, None, "gateway.name: unknown gateway 'binance'"),
        (
            {
                "llm_providers": {"mine": {"provider": "gpt"}},
                "decision": {"llm": {"providers": ["mine"]}},
            },
            None,
            "llm_providers.mine.provider: unknown LLM provider 'gpt'",
        ),
        (
            {"risk": {"sizing": {"options": {"fraction": 2}}}},
            None,
            "risk.sizing.options.fraction: must be in (0, 1], got 2",
        ),
        (
            {"gateway": {"name": "realmoney"}},
            None,
            "gateway.name: gateway 'realmoney' trades real money; set live.enabled: true",
        ),
        (
            {"agents": {**ALL_OFF, "needs_torch": {}}},
            None,
            "agents.needs_torch: agent 'needs_torch' (plugin 'testagents', testagents -) could "
            "not be built: ModuleNotFoundError: No module named "
            "'deepalpha_heavy_dependency_not_installed'",
        ),
        (
            {"agents": {**ALL_OFF, "not_an_agent": {}}},
            None,
            "agents.not_an_agent: agent 'not_an_agent' (plugin 'testagents', testagents -): its "
            "factory returned int, not a deepalpha.agents.Agent",
        ),
    ],
)
def test_refused_naming_the_key_path(plugins, workdir, sections, mode, message) -> None:
    with pytest.raises(UserError) as info:
        prepare(_config(**sections), mode, plugins)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"periods": [9, 7]}, "agents.picky.periods"),
        ({"options": {"periods": [9, 7]}}, "agents.picky.options.periods"),
    ],
)
def test_a_factory_complaint_names_the_option_where_it_was_written(
    plugins, workdir, entry, key
) -> None:
    config = _config(agents={**ALL_OFF, "picky": entry})
    with pytest.raises(ConfigError) as info:
        prepare(config, None, plugins)
    assert str(info.value) == f"{key}: must be increasing, got [9, 7]"


def test_a_database_folder_that_cannot_be_created(plugins, workdir) -> None:
    (workdir / "data").write_text("a file where the folder should be")
    with pytest.raises(ConfigError) as info:
        prepare(_config(storage={"url": "sqlite:///data/run.db"}), None, plugins)
    assert str(info.value) == "storage.url: database folder data is not a directory"
    with pytest.raises(ConfigError) as info:
        prepare(_config(storage={"url": "sqlite:///data/sub/run.db"}), None, plugins)
    assert str(info.value) == (
        "storage.url: database folder data/sub cannot be created: data is a file, not a directory"
    )


def test_a_database_that_is_a_directory(plugins, workdir) -> None:
    (workdir / "db").mkdir()
    with pytest.raises(ConfigError, match=r"^storage\.url: database db is a directory$"):
        prepare(_config(storage={"url": "sqlite:///db"}), None, plugins)


def test_a_report_folder_that_is_a_file(plugins, workdir) -> None:
    (workdir / "out").write_text("")
    config = _config(app={"report_dir": "out/reports"})
    with pytest.raises(ConfigError, match=r"^app\.report_dir: report folder out/reports cannot be"):
        prepare(config, "backtest", plugins)
    prepare(config, "backtest", plugins, report=False).close()  # --no-report: not needed


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folders(plugins, workdir) -> None:
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match=r"^storage\.url: database folder locked/sub is not"):
            prepare(_config(storage={"url": "sqlite:///locked/sub/x.db"}), None, plugins)
        with pytest.raises(ConfigError, match=r"^app\.report_dir: report folder locked is not"):
            prepare(_config(app={"report_dir": "locked"}), None, plugins)
    finally:
        locked.chmod(0o700)


def test_memory_and_postgresql_databases_need_no_folder(plugins, workdir) -> None:
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql://u:pw@127.0.0.1:1/none"):
        prepare(_config(storage={"url": url}), None, plugins).close()


GHOST = EntryPoint(
    "ghost", "deepalpha_no_such_module_xyz", "deepalpha", "deepalpha-agent-ghost", "0.1"
)
GHOST_ERROR = "ModuleNotFoundError: No module named 'deepalpha_no_such_module_xyz'"


@pytest.fixture(scope="module")
def with_ghost():
    """The installed plugins, the test agents and one entry point that fails to import."""
    installed = entry_points("deepalpha")
    # Not strict, whatever DEEPALPHA_STRICT_PLUGINS says (make test sets it): the ghost must load
    # as a failure for prepare to judge, as it does for a user without the switch.
    return load_plugins(
        entry_points=[*installed, GHOST],
        extra=[("testagents", TEST_PLUGIN)],
        allow=None,
        strict=False,
    )


def test_strict_refuses_any_failed_plugin(with_ghost, workdir) -> None:
    with pytest.raises(PluginError) as info:
        prepare(_config(plugins={"strict": True}), None, with_ghost)
    assert str(info.value) == (
        f"plugins.strict is on and plugin 'ghost' failed to load (deepalpha-agent-ghost 0.1): "
        f"{GHOST_ERROR}"
    )


def test_failed_plugins_warn_when_unused_and_fail_when_used(with_ghost, workdir, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="deepalpha.engine.prepare"):
        prepared = prepare(_config(), None, with_ghost)
    prepared.close()
    expected = (
        f"plugin 'ghost' failed to load (deepalpha-agent-ghost 0.1): {GHOST_ERROR}; "
        "this configuration does not use it"
    )
    assert expected in prepared.warnings
    assert expected in [r.getMessage() for r in caplog.records]

    with pytest.raises(PluginError) as info:
        prepare(_config(agents={"ghost": {}}), None, with_ghost)
    assert str(info.value).startswith("agents.ghost: unknown agent 'ghost'; valid names: ")
    assert str(info.value).endswith(
        f"; plugin 'ghost' failed to load (deepalpha-agent-ghost 0.1): {GHOST_ERROR}"
    )


def test_source_names_the_file(plugins, workdir) -> None:
    with pytest.raises(ConfigError) as info:
        prepare(_config(market={"timeframe": "7m"}), None, plugins, source="my.yaml")
    assert str(info.value).startswith("my.yaml: market.timeframe: '7m' is not a timeframe")


def test_an_unknown_mode(plugins) -> None:
    with pytest.raises(ConfigError, match="mode 'replay' is not one of: backtest, paper, live"):
        prepare(_config(), "replay", plugins)


def test_an_unreachable_decision_cache_is_refused_before_the_run(plugins, workdir) -> None:
    """The run builds the decision engine, whose Redis cache connects at start; so does prepare.
    Port 1 on loopback answers nothing."""
    config = _config(
        llm_providers={
            "local": {
                "provider": "openai",
                "options": {"base_url": "http://127.0.0.1:1/v1", "api_key": "x", "model": "m"},
            }
        },
        decision={"llm": {"providers": ["local"]}, "cache": {"url": "redis://127.0.0.1:1/0"}},
    )
    with pytest.raises(
        UserError, match=r"^decision\.cache\.url: cannot reach Redis at redis://127\.0\.0\.1:1/0"
    ):
        prepare(config, "backtest", plugins)
