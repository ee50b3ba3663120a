"""The DeepAlpha plugin entry point of the kernel (entry point ``deepalpha: kernel``).

Registration performs a version handshake: the compiled extension and this Python package are
built from one source tree and must carry the same version, and the extension must have been built
for the core's plugin contract. A stale extension left behind by an old build would otherwise give
wrong results or missing functions at run time; raising ``PluginIncompatible`` lets the loader list
the kernel as *incompatible* with both versions named instead.
"""

from __future__ import annotations

import deepalpha
from deepalpha import hookimpl
from deepalpha.errors import PluginIncompatible
from deepalpha.records import KernelSpec

import deepalpha_kernel
from deepalpha_kernel import _native


def check_versions() -> None:
    """Raise ``PluginIncompatible`` unless the extension, the package and the core agree."""
    native = getattr(_native, "__version__", "unknown")
    if native != deepalpha_kernel.__version__:
        raise PluginIncompatible(
            f"deepalpha-kernel: compiled extension version {native} does not match the Python "
            f"package version {deepalpha_kernel.__version__}; rebuild with "
            "`maturin develop --release -m rust-kernel/pyproject.toml`"
        )
    built_for = getattr(_native, "API_VERSION", None)
    if built_for != deepalpha.API_VERSION:
        raise PluginIncompatible(
            f"deepalpha-kernel: built for DeepAlpha plugin API {built_for}, but the installed "
            f"core deepalpha {deepalpha.__version__} has API {deepalpha.API_VERSION}"
        )


@hookimpl
def register_kernels() -> list[KernelSpec]:
    check_versions()
    return [
        KernelSpec(
            name="deepalpha",
            version=deepalpha_kernel.__version__,
            module="deepalpha_kernel",
            indicators=deepalpha_kernel.INDICATORS,
            patterns=deepalpha_kernel.PATTERNS,
            description=(
                f"Rust indicators matching TA-Lib ({len(deepalpha_kernel.INDICATORS)} indicators, "
                f"{len(deepalpha_kernel.PATTERNS)} patterns), batch and streaming"
            ),
        )
    ]
