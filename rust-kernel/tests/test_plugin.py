"""python/deepalpha_kernel/plugin.py: the entry point, the record and the version handshake."""

from importlib.metadata import entry_points

import deepalpha
import deepalpha_kernel
import pytest
from deepalpha.errors import PluginIncompatible
from deepalpha.records import KernelSpec
from deepalpha_kernel import _native, plugin


def test_entry_point_is_registered():
    eps = entry_points(group="deepalpha")
    kernel = [ep for ep in eps if ep.name == "kernel"]
    assert kernel and kernel[0].value == "deepalpha_kernel.plugin"
    assert kernel[0].load() is plugin


def test_register_kernels_returns_the_catalogue():
    (spec,) = plugin.register_kernels()
    assert isinstance(spec, KernelSpec)
    assert spec.name == "deepalpha" and spec.module == "deepalpha_kernel"
    assert spec.version == deepalpha_kernel.__version__ == _native.__version__
    assert spec.indicators == deepalpha_kernel.INDICATORS
    for name in spec.indicators:
        assert callable(getattr(deepalpha_kernel, name.lower())), name


def test_native_version_mismatch_is_incompatible(monkeypatch):
    monkeypatch.setattr(_native, "__version__", "9.9.9")
    with pytest.raises(
        PluginIncompatible, match=r"extension version 9\.9\.9 .* package version 0\.1\.0"
    ):
        plugin.register_kernels()


def test_core_api_mismatch_is_incompatible(monkeypatch):
    monkeypatch.setattr(deepalpha, "API_VERSION", deepalpha.API_VERSION + 1)
    with pytest.raises(PluginIncompatible, match=r"built for DeepAlpha plugin API 1"):
        plugin.register_kernels()
