"""The guarded loader: failures are recorded, the rest keep working, names resolve clearly."""

from __future__ import annotations

import importlib.metadata
import types

import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.errors import ComponentBuildError, PluginError, PluginIncompatible
from deepalpha.plugins import load_plugins
from deepalpha.records import (
    AgentSpec,
    DataSourceSpec,
    GatewaySpec,
    LLMProviderSpec,
    RiskRuleSpec,
)


@pytest.fixture(autouse=True)
def _no_loader_environment(monkeypatch) -> None:
    """These tests set strictness and allow-lists themselves; `make test` exports strict mode."""
    monkeypatch.delenv("DEEPALPHA_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("DEEPALPHA_LOAD_PLUGINS", raising=False)


class _Agent(Agent):
    def on_bar(self, bar, history):
        return None


def _plugin(**hooks) -> types.SimpleNamespace:
    ns = types.SimpleNamespace()
    for name, fn in hooks.items():
        setattr(ns, name, hookimpl(fn))
    return ns


def _agents(*names):
    return _plugin(register_agents=lambda: [AgentSpec(name=n, factory=_Agent) for n in names])


def _missing_module_entry_point() -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(
        name="ghost", value="deepalpha_no_such_module_xyz", group="deepalpha"
    )


def test_ok_plugin_is_listed_with_what_it_provides_and_its_hooks() -> None:
    plugins = load_plugins(entry_points=[], extra=[("alpha", _agents("a1", "a2"))], allow=None)
    (info,) = plugins.infos
    assert info.status == "ok"
    assert info.provides == ("agent:a1", "agent:a2")
    assert info.hooks == ("register_agents",)
    assert plugins.names("agent") == ["a1", "a2"]


def test_import_failure_is_recorded_and_others_still_load() -> None:
    plugins = load_plugins(
        entry_points=[_missing_module_entry_point()], extra=[("alpha", _agents("a1"))], allow=None
    )
    status = {i.name: i for i in plugins.infos}
    assert status["ghost"].status == "failed"
    assert "ModuleNotFoundError" in status["ghost"].error
    assert "deepalpha_no_such_module_xyz" in status["ghost"].traceback
    assert status["alpha"].status == "ok"
    assert plugins.resolve("agent", "a1").name == "a1"


def test_registration_failure_unregisters_the_plugin() -> None:
    def boom():
        raise RuntimeError("cannot register")

    plugins = load_plugins(
        entry_points=[],
        extra=[("bad", _plugin(register_agents=boom)), ("ok", _agents("a"))],
        allow=None,
    )
    status = {i.name: i for i in plugins.infos}
    assert status["bad"].status == "failed"
    assert status["bad"].error == "RuntimeError: cannot register"
    assert plugins.pm.get_plugin("bad") is None
    assert plugins.names("agent") == ["a"]


def test_a_panic_like_base_exception_is_contained_but_keyboard_interrupt_is_not() -> None:
    class PanicException(BaseException):  # what PyO3 raises for a Rust panic
        pass

    def panic():
        raise PanicException("rust panicked")

    plugins = load_plugins(
        entry_points=[], extra=[("rusty", _plugin(register_agents=panic))], allow=None
    )
    assert plugins.infos[0].status == "failed"

    def interrupt():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_plugins(
            entry_points=[], extra=[("ki", _plugin(register_agents=interrupt))], allow=None
        )


def test_incompatible_plugin_has_its_own_status() -> None:
    def mismatch():
        raise PluginIncompatible("compiled 0.2.0, python 0.1.0")

    plugins = load_plugins(
        entry_points=[], extra=[("k", _plugin(register_kernels=mismatch))], allow=None
    )
    assert plugins.infos[0].status == "incompatible"
    assert "compiled 0.2.0" in plugins.infos[0].error


def test_misspelled_hook_is_a_load_failure() -> None:
    plugins = load_plugins(
        entry_points=[], extra=[("typo", _plugin(register_agnets=lambda: []))], allow=None
    )
    assert plugins.infos[0].status == "failed"
    assert "register_agnets" in plugins.infos[0].error


def test_wrong_record_type_is_a_load_failure() -> None:
    bad = _plugin(register_agents=lambda: [GatewaySpec(name="x", factory=object)])
    plugins = load_plugins(entry_points=[], extra=[("bad", bad)], allow=None)
    assert plugins.infos[0].status == "failed"
    assert "expected AgentSpec" in plugins.infos[0].error


def test_duplicate_component_names_name_both_providers() -> None:
    plugins = load_plugins(
        entry_points=[], extra=[("one", _agents("same")), ("two", _agents("same"))], allow=None
    )
    with pytest.raises(PluginError, match=r"agent name 'same' is provided by both one .* and two"):
        plugins.resolve("agent", "same")
    assert len(plugins.conflicts()) == 1
    with pytest.raises(PluginError, match="provided by both"):
        load_plugins(
            entry_points=[],
            extra=[("one", _agents("same")), ("two", _agents("same"))],
            allow=None,
            strict=True,
        )


def test_unknown_name_lists_the_valid_names() -> None:
    plugins = load_plugins(entry_points=[], extra=[("p", _agents("b", "a"))], allow=None)
    with pytest.raises(PluginError, match=r"unknown agent 'c'; valid names: a, b"):
        plugins.resolve("agent", "c")


def test_allow_list_blocks_the_others(monkeypatch) -> None:
    monkeypatch.setenv("DEEPALPHA_LOAD_PLUGINS", "p")
    plugins = load_plugins(entry_points=[], extra=[("p", _agents("a")), ("q", _agents("b"))])
    status = {i.name: i.status for i in plugins.infos}
    assert status == {"p": "ok", "q": "blocked"}
    assert plugins.names("agent") == ["a"]
    monkeypatch.setenv("DEEPALPHA_LOAD_PLUGINS", "")
    plugins = load_plugins(entry_points=[], extra=[("p", _agents("a"))])
    assert plugins.infos[0].status == "blocked"


def test_strict_turns_a_failure_into_an_error(monkeypatch) -> None:
    monkeypatch.setenv("DEEPALPHA_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"plugin 'ghost' .* failed: ModuleNotFoundError"):
        load_plugins(entry_points=[_missing_module_entry_point()], allow=None)


def test_lifecycle_hooks_accept_a_subset_of_arguments() -> None:
    seen = []

    def on_fill(fill):  # run_id not accepted: allowed
        seen.append(fill)

    plugins = load_plugins(entry_points=[], extra=[("obs", _plugin(on_fill=on_fill))], allow=None)
    plugins.hook.on_fill(run_id="r", fill="F")
    assert seen == ["F"]


# -- entry-point names declared twice --------------------------------------------------------------


def _entry_point(name: str, dist: str, version: str = "1.0", value: str = "deepalpha.hookspecs"):
    from deepalpha.entrypoints import EntryPoint

    return EntryPoint(
        name=name, value=value, group="deepalpha", dist_name=dist, dist_version=version
    )


def test_two_distributions_declaring_one_entry_point_name_are_both_refused() -> None:
    plugins = load_plugins(
        entry_points=[
            _entry_point("shared", "deepalpha-agent-one", "1.0"),
            _entry_point("shared", "deepalpha-agent-two", "2.0"),
        ],
        extra=[("alpha", _agents("a"))],
        allow=None,
    )
    shared = [info for info in plugins.infos if info.name == "shared"]
    assert {(i.distribution, i.status) for i in shared} == {
        ("deepalpha-agent-one", "failed"),
        ("deepalpha-agent-two", "failed"),
    }
    for info in shared:
        assert "deepalpha-agent-one 1.0" in info.error and "deepalpha-agent-two 2.0" in info.error
    (clash,) = plugins.conflicts()
    assert "'shared'" in clash and "deepalpha-agent-one" in clash and "deepalpha-agent-two" in clash
    assert plugins.resolve("agent", "a").name == "a"  # the others are untouched


def test_a_shared_entry_point_name_is_fatal_in_strict_mode_naming_both() -> None:
    with pytest.raises(
        PluginError, match=r"declared by both deepalpha-agent-one 1\.0 and deepalpha-agent-two"
    ):
        load_plugins(
            entry_points=[
                _entry_point("shared", "deepalpha-agent-one"),
                _entry_point("shared", "deepalpha-agent-two"),
            ],
            allow=None,
            strict=True,
        )


def test_an_unknown_name_says_which_plugin_that_did_not_load_may_provide_it() -> None:
    ghost = _missing_module_entry_point()
    plugins = load_plugins(entry_points=[ghost], extra=[("p", _agents("a"))], allow=None)
    with pytest.raises(PluginError) as info:
        plugins.resolve("agent", "ghost")
    message = str(info.value)
    assert message.startswith("unknown agent 'ghost'; valid names: a; plugin 'ghost'")
    assert message.endswith(
        "): ModuleNotFoundError: No module named 'deepalpha_no_such_module_xyz'"
    )
    # a name no failed plugin is called after: every failed plugin is a candidate
    with pytest.raises(
        PluginError, match="may come from a plugin that did not load: plugin 'ghost'"
    ):
        plugins.resolve("agent", "other")


# -- guarded factories -----------------------------------------------------------------------------


def _one(kind_hook: str, spec) -> object:
    return load_plugins(
        entry_points=[], extra=[("third", _plugin(**{kind_hook: lambda: [spec]}))], allow=None
    )


def test_a_factory_that_raises_names_the_component_and_its_plugin() -> None:
    def needs_torch():
        import deepalpha_heavy_dependency_not_installed  # noqa: F401

    plugins = _one("register_agents", AgentSpec(name="deep", factory=needs_torch))
    spec = plugins.resolve("agent", "deep")
    with pytest.raises(ComponentBuildError) as info:
        spec.build()
    assert str(info.value) == (
        "agent 'deep' (plugin 'third', third -) could not be built: ModuleNotFoundError: "
        "No module named 'deepalpha_heavy_dependency_not_installed'"
    )
    assert (info.value.kind, info.value.name) == ("agent", "deep")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_a_panic_in_a_factory_is_contained_but_keyboard_interrupt_is_not() -> None:
    class PanicException(BaseException):
        pass

    def panic():
        raise PanicException("index out of bounds")

    plugins = _one("register_agents", AgentSpec(name="rusty", factory=panic))
    with pytest.raises(ComponentBuildError, match="PanicException: index out of bounds"):
        plugins.resolve("agent", "rusty").build()

    def interrupted():
        raise KeyboardInterrupt

    plugins = _one("register_agents", AgentSpec(name="ki", factory=interrupted))
    with pytest.raises(KeyboardInterrupt):
        plugins.resolve("agent", "ki").build()


@pytest.mark.parametrize(
    ("hook", "record", "expected"),
    [
        ("register_agents", AgentSpec, "deepalpha.agents.Agent"),
        ("register_risk_rules", RiskRuleSpec, "deepalpha.risk.RiskRule"),
        ("register_gateways", GatewaySpec, "deepalpha.gateways.Gateway"),
        ("register_data_sources", DataSourceSpec, "deepalpha.data.DataSource"),
        ("register_llm_providers", LLMProviderSpec, "deepalpha.llm.LLMProvider"),
    ],
)
def test_a_factory_returning_the_wrong_kind_of_object_is_refused(hook, record, expected) -> None:
    plugins = _one(hook, record(name="odd", factory=lambda: {"not": "a component"}))
    kind = record(name="x", factory=object).kind
    with pytest.raises(ComponentBuildError) as info:
        plugins.resolve(kind, "odd").build()
    assert f"its factory returned dict, not a {expected}" in str(info.value)


def test_option_errors_from_a_factory_pass_through_readable() -> None:
    import attrs

    @attrs.frozen
    class Picky:
        mode: str = attrs.field(validator=attrs.validators.in_(["a", "b"]))

    def factory():
        return Picky("c")

    plugins = _one("register_agents", AgentSpec(name="picky", factory=factory))
    with pytest.raises(ValueError) as info:
        plugins.resolve("agent", "picky").build()
    assert str(info.value) == "mode: must be one of 'a', 'b'; got 'c'"


def test_a_working_factory_is_unchanged() -> None:
    plugins = _one("register_agents", AgentSpec(name="fine", factory=_Agent, description="d"))
    spec = plugins.resolve("agent", "fine")
    assert isinstance(spec.build(), _Agent)
    assert spec.description == "d" and spec.factory.factory is _Agent
