"""The distribution registers the ``openai`` provider through the ``deepalpha`` entry point."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pluggy
import pytest
from deepalpha import PROJECT, hookspecs
from deepalpha.config.converter import structure
from deepalpha.errors import ConfigError
from deepalpha.records import LLMProviderSpec
from deepalpha_llm_openai.options import OpenAIOptions
from deepalpha_llm_openai.provider import OpenAIProvider


def test_entry_point_is_installed() -> None:
    [ep] = [ep for ep in importlib.metadata.entry_points(group=PROJECT) if ep.name == "openai"]
    assert ep.value == "deepalpha_llm_openai.plugin"
    assert ep.dist is not None and ep.dist.name == "deepalpha-llm-openai"


def test_plugin_registers_one_llm_provider_spec() -> None:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    [ep] = [ep for ep in importlib.metadata.entry_points(group=PROJECT) if ep.name == "openai"]
    pm.register(ep.load(), name="openai")
    pm.check_pending()
    [[spec]] = pm.hook.register_llm_providers()
    assert isinstance(spec, LLMProviderSpec)
    assert (spec.name, spec.kind, spec.offline, spec.options) == (
        "openai",
        "llm",
        False,
        OpenAIOptions,
    )
    llm = spec.build(OpenAIOptions(base_url="http://127.0.0.1:1/v1", model="m"))
    assert isinstance(llm, OpenAIProvider) and llm.model == "m"
    llm.close()


def test_loading_the_plugin_imports_no_http_or_llm_client() -> None:
    # `deepalpha plugins list` imports every plugin module and is timed cold.
    code = (
        "import sys, deepalpha_llm_openai.plugin as p; p.register_llm_providers(); "
        "heavy = ('httpx', 'openai', 'instructor', 'pydantic'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_config_errors_name_the_key_path() -> None:
    # The core structures the user's YAML mapping into the options class with its converter.
    opts = structure({"api_key": "sk-x", "seed": 3}, OpenAIOptions, "llm_providers.openai.options")
    assert opts.seed == 3
    with pytest.raises(ConfigError, match=r"llm_providers\.openai\.options\.api_key: required"):
        structure({"api_key": ""}, OpenAIOptions, "llm_providers.openai.options")
    with pytest.raises(ConfigError, match=r"unknown key.*temprature"):
        structure({"temprature": 0}, OpenAIOptions, "llm_providers.openai.options")
