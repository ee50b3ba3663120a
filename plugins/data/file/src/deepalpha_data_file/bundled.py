"""Datasets shipped inside this distribution, addressed as ``bundled:<name>``.

They exist so that a fresh install can backtest and paper-trade with no network; PROVENANCE.md in
``datasets/`` documents where each file comes from.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

from attrs import frozen
from deepalpha.errors import DataError

PREFIX = "bundled:"


@frozen
class BundledDataset:
    name: str
    filename: str
    symbol: str
    timeframe: str
    label: str


DATASETS: dict[str, BundledDataset] = {
    "btcusd-1h": BundledDataset(
        name="btcusd-1h",
        filename="btcusd-1h.csv.gz",
        symbol="BTC/USD",
        timeframe="1h",
        label="BTC/USD 1h (CryptoDataDownload)",
    ),
}

DEFAULT = f"{PREFIX}btcusd-1h"

_files = contextlib.ExitStack()
atexit.register(_files.close)


def is_bundled(path: str) -> bool:
    return path.startswith(PREFIX)


def lookup(path: str) -> BundledDataset:
    name = path[len(PREFIX) :]
    try:
        return DATASETS[name]
    except KeyError:
        valid = ", ".join(PREFIX + n for n in DATASETS)
        raise DataError(f"{path!r} is not a bundled dataset; bundled datasets: {valid}") from None


def dataset_path(dataset: BundledDataset) -> Path:
    """A real filesystem path to the dataset, even when the package is imported from a zip."""
    resource = resources.files(__package__).joinpath("datasets", dataset.filename)
    if isinstance(resource, Path):
        return resource
    return _files.enter_context(resources.as_file(resource))
