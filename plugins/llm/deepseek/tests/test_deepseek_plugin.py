"""The distribution registers the ``deepseek`` provider through the ``deepalpha`` entry point."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pluggy
from deepalpha import PROJECT, hookspecs
from deepalpha.records import LLMProviderSpec
from deepalpha_llm_deepseek.options import DeepSeekOptions
from deepalpha_llm_deepseek.provider import DeepSeekProvider


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
