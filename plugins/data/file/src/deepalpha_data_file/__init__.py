"""DeepAlpha data source for candle files (CSV, gzip'd CSV, Parquet, Feather).

The component ``file`` reads one file (``path``) or a folder of files named like freqtrade's
(``datadir``), and by default serves the bundled BTC/USD hourly dataset so that a fresh install
backtests without network. ``storage`` writes the same formats, which the ccxt plugin uses for
``deepalpha data download``.
"""

__version__ = "0.1.0"
