"""The distribution registers the ``deepseek`` provider through the ``deepalpha`` entry point."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import subprocess
import sys

import pluggy
import pytest
import yaml
from deepalpha import PROJECT, hookspecs
from deepalpha.config.converter import structure
from deepalpha.config.loader import substitute
from deepalpha.errors import ConfigError
from deepalpha.records import LLMProviderSpec
from deepalpha_llm_deepseek.options import DeepSeekOptions
from deepalpha_llm_deepseek.provider import DeepSeekProvider
from deepalpha_llm_openai.testing import SECRET


def test_entry_point_registers_one_llm_provider_spec() -> None:
    [ep] = [ep for ep in importlib.metadata.entry_points(group=PROJECT) if ep.name == "deepseek"]
    assert ep.value == "deepalpha_llm_deepseek.plugin"
    assert ep.dist is not None and ep.dist.name == "deepalpha-llm-deepseek"
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(ep.load(), name="deepseek")
    pm.check_pending()
    [[spec]] = pm.hook.register_llm_providers()
    assert isinstance(spec, LLMProviderSpec)
    assert (spec.name, spec.kind, spec.options) == ("deepseek", "llm", DeepSeekOptions)
    llm = spec.build(DeepSeekOptions(base_url="http://127.0.0.1:1/v1", model="m"))
    assert isinstance(llm, DeepSeekProvider) and llm.model == "m"


def test_plugin_module_is_import_light() -> None:
    code = (
        "import sys, deepalpha_llm_deepseek.plugin; "
        "print(sorted(m for m in ('httpx', 'openai', 'instructor') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def readme_options() -> dict:
    """The options of the README's example configuration, exactly as the README shows them."""
    text = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    [entry] = yaml.safe_load(block.group(1))["llm_providers"].values()
    return entry


def test_readme_example_structures_with_the_key_from_the_environment() -> None:

    entry = readme_options()
    assert entry["provider"] == "deepseek"
    path = "llm_providers.deepseek.options"
    opts = structure(
        substitute(entry["options"], {"DEEPSEEK_API_KEY": SECRET}), DeepSeekOptions, path
    )
    assert (opts.base_url, opts.model, opts.api_key) == (
        "https://api.deepseek.com",
        "deepseek-chat",
        SECRET,
    )
    with pytest.raises(ConfigError, match=r"llm_providers\.deepseek\.options\.api_key: required"):
        structure(substitute(entry["options"], {}), DeepSeekOptions, path)
    with pytest.raises(ConfigError, match=r"unknown key.*seed"):
        structure({**entry["options"], "seed": 1}, DeepSeekOptions, path)
