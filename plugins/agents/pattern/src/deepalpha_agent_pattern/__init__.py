"""The ``pattern`` DeepAlpha agent: candlesticks, support/resistance and chart patterns."""

__version__ = "0.1.0"
