"""DeepAlpha: a plugin framework for LLM-driven, multi-agent trading.

The core only defines the extension points, the records plugins return, the domain types and the
engine that wires components together; every concrete data source, agent, LLM provider, risk rule,
gateway and the Rust kernel ships as its own distribution registered under the ``deepalpha`` entry
point group.

Importing this package must stay cheap: ``deepalpha plugins list`` is timed cold.
"""

import pluggy

__version__ = "0.1.0"

#: Version of the plugin contract. A plugin built against another major contract is reported as
#: incompatible by the loader instead of failing later in the middle of a run.
API_VERSION = 1

PROJECT = "deepalpha"

hookimpl = pluggy.HookimplMarker(PROJECT)

#: Names the product description imports from ``deepalpha``, loaded on first use so that
#: ``import deepalpha`` (and ``deepalpha plugins list``) does not pay for the engine and numpy.
_LAZY = {
    "DeepAlphaEngine": "deepalpha.app",
    "register_agent": "deepalpha.agents",
    "unregister_agent": "deepalpha.agents",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'deepalpha' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "API_VERSION",
    "PROJECT",
    "DeepAlphaEngine",
    "__version__",
    "hookimpl",
    "register_agent",
    "unregister_agent",
]
