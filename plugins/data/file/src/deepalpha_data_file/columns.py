"""Which header names mean what, shared by the CSV and columnar readers."""

from __future__ import annotations

from deepalpha.errors import DataError

#: Timestamp column names in order of preference (``unix`` first: CryptoDataDownload's newer files
#: carry both ``unix`` and a human ``date``).
TIMESTAMP_NAMES = ("unix", "timestamp", "ts", "date", "datetime", "time", "open_time")
SYMBOL_NAMES = ("symbol", "pair")
REQUIRED = ("open", "high", "low", "close", "volume")


def normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def pick_columns(
    header: list[str], display: str, where: str, cryptodatadownload: bool
) -> tuple[int, dict[str, int], int | None]:
    """Indices of the timestamp column, the value columns and the symbol column (if any).

    In CryptoDataDownload files the bar volume is the first ``volume_<asset>`` column, the volume in
    the base currency (``volume_btc``); their plain ``volume`` column is in the quote currency.
    Elsewhere ``volume`` is used, as freqtrade and ccxt name base volume.
    """
    names = [normalise(n) for n in header]
    index = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
    ts_index = next((index[n] for n in TIMESTAMP_NAMES if n in index), None)
    if ts_index is None:
        raise DataError(
            f"{display}: {where}: no timestamp column (expected one of "
            f"{', '.join(TIMESTAMP_NAMES)}; header is {', '.join(header)})"
        )
    value_index: dict[str, int] = {}
    base_volume = next((i for i, n in enumerate(names) if n.startswith("volume_")), None)
    for column in REQUIRED:
        if column == "volume" and cryptodatadownload and base_volume is not None:
            value_index[column] = base_volume
        elif column in index:
            value_index[column] = index[column]
        elif column == "volume" and base_volume is not None:
            value_index[column] = base_volume
        else:
            raise DataError(
                f"{display}: {where}, column {column!r}: missing from the header "
                f"({', '.join(header)})"
            )
    symbol_index = next((index[n] for n in SYMBOL_NAMES if n in index), None)
    return ts_index, value_index, symbol_index
