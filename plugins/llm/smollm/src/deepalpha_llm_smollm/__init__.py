"""DeepAlpha's embedded LLM provider: SmolLM2-135M-Instruct, in-process, no key, no network.

A demo model: it makes the whole pipeline run end to end offline, but it has no trading
judgement (its answer follows the order in which the prompt lists the options).
"""

__version__ = "0.1.0"
