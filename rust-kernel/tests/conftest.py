"""Fixtures of the binding tests; helpers live in kernel_support.py."""

from __future__ import annotations

import gzip
import io
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

# The test modules share helpers through kernel_support.py; this folder is put on sys.path
# explicitly because several `tests/` folders of the workspace run in one pytest session.
sys.path.insert(0, str(Path(__file__).parent))

from kernel_support import walk


@pytest.fixture(scope="session")
def candles() -> tuple[np.ndarray, ...]:
    return walk(3000, seed=7)


@pytest.fixture(scope="session")
def btc() -> tuple[np.ndarray, ...]:
    """The bundled BTC/USD 1h candles (oldest first); skipped when the data plugin is absent."""
    try:
        data = resources.files("deepalpha_data_file.datasets") / "btcusd-1h.csv.gz"
        raw = gzip.decompress(data.read_bytes()).decode()
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.skip("deepalpha-data-file (bundled BTC/USD data) is not installed")
    body = raw.split("\n", 1)[1]
    table = np.genfromtxt(io.StringIO(body), delimiter=",", names=True, dtype=None, encoding=None)
    cols = [
        np.ascontiguousarray(table[c][::-1], dtype=np.float64)
        for c in ("open", "high", "low", "close", "volume")
    ]
    return tuple(cols)
