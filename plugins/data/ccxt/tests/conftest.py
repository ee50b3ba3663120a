from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from binance_server import FakeBinance


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


#: Mid-candle, so the 1h candle opened at 00:00 is still open.
NOW = ms("2024-01-10T00:30:00")
LISTED = ms("2023-12-01T00:00:00")


@pytest.fixture
def binance():
    with FakeBinance(now=NOW, listed=LISTED) as fake:
        yield fake
