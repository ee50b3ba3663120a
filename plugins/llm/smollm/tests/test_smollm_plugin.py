"""The distribution registers ``smollm`` as an offline provider without importing the runtime."""

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
from deepalpha_llm_smollm.options import SmolLMOptions
from deepalpha_llm_smollm.provider import SmolLMProvider


def entry_point() -> importlib.metadata.EntryPoint:
    [ep] = [ep for ep in importlib.metadata.entry_points(group=PROJECT) if ep.name == "smollm"]
    return ep


def test_entry_point_is_installed() -> None:
    ep = entry_point()
    assert ep.value == "deepalpha_llm_smollm.plugin"
    assert ep.dist is not None and ep.dist.name == "deepalpha-llm-smollm"


def test_plugin_registers_an_offline_provider_that_loads_nothing_until_asked() -> None:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(entry_point().load(), name="smollm")
    pm.check_pending()
    [[spec]] = pm.hook.register_llm_providers()
    assert isinstance(spec, LLMProviderSpec)
    assert (spec.name, spec.kind, spec.offline, spec.options) == (
        "smollm",
        "llm",
        True,
        SmolLMOptions,
    )
    assert "demo model" in spec.description and "no trading judgement" in spec.description
    llm = spec.build(SmolLMOptions())
    assert isinstance(llm, SmolLMProvider)
    assert llm.model == "SmolLM2-135M-Instruct.Q4_1"
    assert not llm.loaded
    llm.close()


def test_loading_the_plugin_imports_no_runtime() -> None:
    code = (
        "import sys, deepalpha_llm_smollm.plugin as p; p.register_llm_providers(); "
        "heavy = ('xllamacpp', 'httpx', 'openai', 'instructor'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_config_errors_name_the_key_path() -> None:
    assert structure({}, SmolLMOptions, "llm_providers.smollm.options") == SmolLMOptions()
    with pytest.raises(ConfigError, match=r"llm_providers\.smollm\.options\.n_threads: must be in"):
        structure({"n_threads": 0}, SmolLMOptions, "llm_providers.smollm.options")
