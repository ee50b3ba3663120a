"""The distribution registers the ``ollama`` provider through the ``deepalpha`` entry point."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pluggy
from deepalpha import PROJECT, hookspecs
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
