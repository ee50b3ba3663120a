"""The ``trend`` DeepAlpha agent: multi-timeframe trend, agreement and reversal risk."""

__version__ = "0.1.0"
