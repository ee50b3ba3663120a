"""Cold start of ``deepalpha plugins list``: a fresh interpreter each time, as a user runs it.

Prints the median and best wall time over N runs, next to a bare ``python -c pass`` for scale.
Run: ``.venv/bin/python bench/plugins_list.py [--runs 15]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    timed([str(BIN / "deepalpha"), "plugins", "list", "--json"], 2)  # warm the file cache
    for label, cmd in [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("deepalpha plugins list --json", [str(BIN / "deepalpha"), "plugins", "list", "--json"]),
        ("deepalpha plugins list (table)", [str(BIN / "deepalpha"), "plugins", "list"]),
    ]:
        ms = timed(cmd, args.runs)
        print(f"{label:32s} median {statistics.median(ms):6.0f} ms   best {min(ms):6.0f} ms")


if __name__ == "__main__":
    main()
