"""The installed distribution registers its plugin where DeepAlpha looks for it."""

from __future__ import annotations

from importlib.metadata import entry_points

from deepalpha.plugins import load_plugins

PLUGIN = "{{ cookiecutter.plugin_name }}"
KIND = "{{ cookiecutter.kind }}"


def test_the_entry_point_is_registered() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="deepalpha")}
    assert found.get(PLUGIN) == "{{ cookiecutter.__package }}.plugin"


def test_the_plugin_loads_and_provides_its_component() -> None:
    # Only this plugin (and the kernels agents look indicators up in) is loaded, so a broken
    # neighbour in the same environment cannot fail this test.
    plugins = load_plugins(allow={PLUGIN, "kernel"}, strict=False)
    (info,) = [i for i in plugins.infos if i.name == PLUGIN]
    assert info.status == "ok", info.error
    assert info.distribution == "{{ cookiecutter.__distribution }}"
    assert info.provides == (f"{KIND}:{PLUGIN}",)
    spec = plugins.resolve(KIND, PLUGIN)
    assert spec.description == {{ cookiecutter.description | tojson }}
