"""DeepAlpha data source for exchange candles through ccxt, and ``deepalpha data download``.

Only public market data is used: no API key is needed for OHLCV, none is accepted, so none can be
logged.
"""

__version__ = "0.1.0"
