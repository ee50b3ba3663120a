"""The distribution registers the ``anthropic`` provider through the ``deepalpha`` entry point."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pluggy
import pytest
import yaml
from deepalpha import PROJECT, hookspecs
from deepalpha.config.converter import structure
from deepalpha.config.loader import substitute
from deepalpha.errors import ConfigError
from deepalpha.records import LLMProviderSpec
from deepalpha_llm_anthropic.options import AnthropicOptions
from deepalpha_llm_anthropic.provider import AnthropicProvider
from deepalpha_llm_anthropic.testing import SECRET


def _entry_point() -> importlib.metadata.EntryPoint:
    [ep] = [ep for ep in importlib.metadata.entry_points(group=PROJECT) if ep.name == "anthropic"]
    return ep


def test_entry_point_is_installed() -> None:
    ep = _entry_point()
    assert ep.value == "deepalpha_llm_anthropic.plugin"
    assert ep.dist is not None and ep.dist.name == "deepalpha-llm-anthropic"


def test_plugin_registers_one_llm_provider_spec() -> None:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(_entry_point().load(), name="anthropic")
    pm.check_pending()
    [[spec]] = pm.hook.register_llm_providers()
    assert isinstance(spec, LLMProviderSpec)
    assert (spec.name, spec.kind, spec.offline, spec.options) == (
        "anthropic",
        "llm",
        False,
        AnthropicOptions,
    )
    llm = spec.build(AnthropicOptions(model="m", api_key=SECRET))
    assert isinstance(llm, AnthropicProvider) and llm.model == "m"


def test_plugin_module_is_import_light() -> None:
    code = (
        "import sys, deepalpha_llm_anthropic.plugin; "
        "print(sorted(m for m in ('httpx', 'anthropic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _readme_config() -> dict:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    return yaml.safe_load(block)


def test_readme_example_builds_the_provider_when_the_key_is_set() -> None:
    raw = substitute(_readme_config(), {"ANTHROPIC_API_KEY": SECRET})
    assert raw["decision"]["llm"]["providers"] == ["anthropic"]
    entry = raw["llm_providers"]["anthropic"]
    assert entry["provider"] == "anthropic"
    opts = structure(entry["options"], AnthropicOptions, "llm_providers.anthropic.options")
    assert opts == AnthropicOptions(api_key=SECRET)  # the example shows the defaults
    llm = AnthropicProvider(opts)
    assert llm.url == "https://api.anthropic.com/v1/messages"


def test_readme_example_without_the_key_validates_but_does_not_build() -> None:
    raw = substitute(_readme_config(), {})
    opts = structure(
        raw["llm_providers"]["anthropic"]["options"],
        AnthropicOptions,
        "llm_providers.anthropic.options",
    )
    assert opts.api_key is None
    with pytest.raises(ValueError, match="api_key: required"):
        AnthropicProvider(opts)


def test_config_errors_name_the_key_path() -> None:
    with pytest.raises(ConfigError, match=r"llm_providers\.anthropic\.options\.max_tokens"):
        structure({"max_tokens": 0}, AnthropicOptions, "llm_providers.anthropic.options")
    with pytest.raises(ConfigError, match=r"unknown key.*max_token"):
        structure({"max_token": 10}, AnthropicOptions, "llm_providers.anthropic.options")
