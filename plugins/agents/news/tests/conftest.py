"""Makes ``news_helpers`` (a uniquely named module, so it cannot clash with other plugins' test
helpers under ``--import-mode=importlib``) importable from the test files."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
