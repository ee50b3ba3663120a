"""The distribution registers the ``anthropic`` provider through the ``deepalpha`` entry point."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pluggy
from deepalpha import PROJECT, hookspecs
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
