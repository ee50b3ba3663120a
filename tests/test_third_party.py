"""Third-party distributions installed with pip: listed, used in a backtest, failures contained."""

from __future__ import annotations

from deepalpha.storage import Store

WINDOW = ("--start", "2019-01-01", "--end", "2019-02-01", "--no-llm", "--no-report", "--json")
FIRST_PARTY = {
    "file",
    "ccxt",
    "technical",
    "pattern",
    "trend",
    "risk",
    "news",
    "openai",
    "smollm",
    "basic",
    "paper",
    "kernel",
}
#: The agents the default configuration runs, beside which a third-party agent is added.
DEFAULT_AGENTS = {"technical", "pattern", "trend", "risk", "news"}


def _statuses(cli) -> dict[str, dict]:
    return {p["name"]: p for p in cli.json("plugins", "list", "--json")["plugins"]}


def test_first_party_plugins_of_every_kind_load(cli) -> None:
    plugins = _statuses(cli)
    assert {name for name, p in plugins.items() if p["status"] == "ok"} >= FIRST_PARTY
    kinds = {item.split(":")[0] for p in plugins.values() for item in p["provides"]}
    assert kinds >= {"data", "agent", "llm", "risk", "gateway", "kernel"}


def test_installed_third_party_agent_is_listed_and_trades(tmp_path, make_cli, tiny_dist) -> None:
    cli = make_cli(tiny_dist)
    plugins = _statuses(cli)
    assert plugins["tiny"]["status"] == "ok"
    assert plugins["tiny"]["distribution"] == "deepalpha-agent-tiny"
    assert plugins["tiny"]["provides"] == ["agent:tiny"]

    (tmp_path / "tiny.yaml").write_text("agents:\n  tiny: {weight: 1.0}\n")
    result = cli.json("backtest", "-c", "tiny.yaml", *WINDOW)
    assert result["bars"] == 31 * 24
    with Store.open(f"sqlite:///{tmp_path}/data/deepalpha-backtest.db") as store:
        agents = {s.agent for s in store.signals(result["run_id"])}
    assert agents == DEFAULT_AGENTS | {"tiny"}


def test_a_plugin_that_fails_to_import_is_listed_and_the_rest_still_run(
    make_cli, broken_dist
) -> None:
    cli = make_cli(broken_dist)
    plugins = _statuses(cli)
    assert plugins["broken"]["status"] == "failed"
    assert "deepalpha_dependency_that_is_not_installed" in plugins["broken"]["error"]
    assert all(plugins[name]["status"] == "ok" for name in FIRST_PARTY)
    verbose = cli.json("plugins", "list", "--json", "-v")
    (broken,) = [p for p in verbose["plugins"] if p["name"] == "broken"]
    assert "Traceback" in broken["traceback"]
    # the table view works too, and a backtest runs with the others
    assert "failed" in cli("plugins", "list").stdout
    assert cli.json("backtest", *WINDOW)["bars"] == 31 * 24
    # in strict mode the failure is fatal, with a one-line error
    strict = cli("plugins", "list", check=False, env={"DEEPALPHA_STRICT_PLUGINS": "1"})
    assert strict.returncode == 2
    assert "plugin 'broken'" in strict.stderr and "Traceback" not in strict.stderr


def test_two_plugins_with_one_name_is_an_error_naming_both(make_cli, clash_dist) -> None:
    cli = make_cli(clash_dist)
    listing = cli.json("plugins", "list", "--json")
    assert any(
        "deepalpha-agent-clash" in c and "deepalpha-agent-technical" in c
        for c in listing["conflicts"]
    )
    result = cli("backtest", *WINDOW, check=False)
    assert result.returncode == 2
    assert "provided by both" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_restriction_blocks_plugins(cli) -> None:
    plugins = cli.json("plugins", "list", "--json", env={"DEEPALPHA_LOAD_PLUGINS": "kernel,file"})
    statuses = {p["name"]: p["status"] for p in plugins["plugins"]}
    assert statuses["kernel"] == "ok" and statuses["file"] == "ok"
    assert statuses["technical"] == "blocked"


def test_strict_config_refuses_to_run_with_a_failed_plugin(tmp_path, make_cli, broken_dist) -> None:
    cli = make_cli(broken_dist)
    (tmp_path / "strict.yaml").write_text("plugins: {strict: true}\n")
    result = cli("backtest", "-c", "strict.yaml", *WINDOW, check=False)
    assert result.returncode == 2
    assert "plugins.strict is on and plugin 'broken' failed" in result.stderr
