"""freqtrade's file naming, so a datadir can be shared with freqtrade.

freqtrade stores ``BTC/USDT`` 1h candles as ``BTC_USDT-1h.<ext>`` (``pair_to_filename`` replaces
``/ .@$+:`` and spaces with ``_``). The reverse is a guess used only for listings: the first
``_`` becomes the ``/``.
"""

from __future__ import annotations

from pathlib import Path

from deepalpha.data import TIMEFRAMES

#: Extensions a datadir may hold, in the order files are looked for.
EXTENSIONS = (".parquet", ".feather", ".csv", ".csv.gz")

_REPLACED = "/ .@$+:"


def pair_to_filename(symbol: str) -> str:
    for char in _REPLACED:
        symbol = symbol.replace(char, "_")
    return symbol


def candle_filename(symbol: str, timeframe: str, extension: str = ".parquet") -> str:
    return f"{pair_to_filename(symbol)}-{timeframe}{extension}"


def split_extension(name: str) -> tuple[str, str] | None:
    for extension in EXTENSIONS:
        if name.endswith(extension):
            return name[: -len(extension)], extension
    return None


def parse_filename(path: Path) -> tuple[str, str] | None:
    """``(symbol, timeframe)`` from a freqtrade-style name, or ``None`` if it is not one."""
    split = split_extension(path.name)
    if split is None or "-" not in split[0]:
        return None
    stem, timeframe = split[0].rsplit("-", 1)
    if timeframe not in TIMEFRAMES or not stem:
        return None
    symbol = stem.replace("_", "/", 1) if "_" in stem else stem
    return symbol, timeframe
