"""The distribution registers the ``ollama`` provider through the ``deepalpha`` entry point."""

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
from deepalpha.errors import ConfigError
from deepalpha.records import LLMProviderSpec
from deepalpha_llm_ollama.options import OllamaOptions
from deepalpha_llm_ollama.provider import OllamaProvider


def test_entry_point_registers_one_llm_provider_spec() -> None:
    [ep] = [ep for ep in importlib.metadata.entry_points(group=PROJECT) if ep.name == "ollama"]
    assert ep.value == "deepalpha_llm_ollama.plugin"
    assert ep.dist is not None and ep.dist.name == "deepalpha-llm-ollama"
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(ep.load(), name="ollama")
    pm.check_pending()
    [[spec]] = pm.hook.register_llm_providers()
    assert isinstance(spec, LLMProviderSpec)
    assert (spec.name, spec.kind, spec.options) == ("ollama", "llm", OllamaOptions)
    llm = spec.build(OllamaOptions(base_url="http://127.0.0.1:1/v1", model="m"))
    assert isinstance(llm, OllamaProvider) and llm.model == "m"


def test_plugin_module_is_import_light() -> None:
    code = (
        "import sys, deepalpha_llm_ollama.plugin; "
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


def test_readme_example_structures_without_a_key() -> None:

    entry = readme_options()
    assert entry["provider"] == "ollama"
    path = "llm_providers.ollama.options"
    opts = structure(entry["options"], OllamaOptions, path)
    assert (opts.base_url, opts.model, opts.api_key, opts.seed) == (
        "http://localhost:11434/v1/",
        "llama3.2",
        None,
        7,
    )
    with pytest.raises(ConfigError, match=r"llm_providers\.ollama\.options\.max_retries: must be"):
        structure({**entry["options"], "max_retries": 9}, OllamaOptions, path)
