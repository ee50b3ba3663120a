from __future__ import annotations

import pytest
from deepalpha_data_file.loader import clear_cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Tests rewrite files in place within one mtime tick; never let one see another's parse."""
    clear_cache()
    yield
    clear_cache()
