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

__all__ = ["API_VERSION", "PROJECT", "__version__", "hookimpl"]
