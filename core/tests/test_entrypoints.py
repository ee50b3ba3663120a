"""Entry-point discovery from dist-info folders, without importlib.metadata."""

from __future__ import annotations

import importlib.metadata

from deepalpha.entrypoints import entry_points


def _dist(base, folder: str, name: str, version: str, text: str) -> None:
    d = base / folder
    d.mkdir()
    (d / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody\n"
    )
    (d / "entry_points.txt").write_text(text)


def test_reads_the_group_with_name_and_version_and_first_wins(tmp_path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _dist(
        first,
        "deepalpha_agent_x-1.2.dist-info",
        "deepalpha-agent-x",
        "1.2",
        "[console_scripts]\nx = x:main\n\n[deepalpha]\nx = deepalpha_agent_x.plugin\n",
    )
    _dist(
        second,
        "deepalpha_agent_x-0.9.dist-info",
        "deepalpha-agent-x",
        "0.9",
        "[deepalpha]\nx = old.plugin\n",
    )
    _dist(second, "other-1.0.dist-info", "other", "1.0", "[pytest11]\no = o\n")
    (found,) = entry_points("deepalpha", [str(first), str(second), str(tmp_path / "missing")])
    assert (found.name, found.value, found.dist_name, found.dist_version) == (
        "x",
        "deepalpha_agent_x.plugin",
        "deepalpha-agent-x",
        "1.2",
    )


def test_agrees_with_importlib_metadata_on_this_environment() -> None:
    ours = {(e.name, e.value, e.dist_name) for e in entry_points("deepalpha")}
    theirs = {
        (e.name, e.value, e.dist.name) for e in importlib.metadata.entry_points(group="deepalpha")
    }
    assert ours == theirs and ours


def test_load_walks_module_and_attribute(tmp_path) -> None:
    from deepalpha.entrypoints import EntryPoint

    ep = EntryPoint("j", "json:JSONDecoder.decode", "g", "d", "1")
    import json

    assert ep.load() is json.JSONDecoder.decode
