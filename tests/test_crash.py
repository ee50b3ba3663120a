"""A paper session killed with SIGKILL has stored everything it announced (persisted, then told)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from deepalpha.domain import OrderStatus
from deepalpha.storage import Store

SCRIPT = Path(__file__).parent / "scripts" / "paper_until_killed.py"


def test_sigkill_loses_no_announced_order_or_fill(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/crash.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPALPHA_")}
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), url, str(tmp_path / "reports")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    announced: list[str] = []
    try:
        for line in proc.stdout:
            announced.append(line.split())
            if sum(1 for a in announced if a[0] == "fill") >= 15:
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    run_id = next(a[1] for a in announced if a[0] == "run")
    with Store.open(url) as store:
        events = {(e.order_id, OrderStatus(e.status).value) for e in store.order_events(run_id)}
        fills = {f.id for f in store.fills(run_id)}
        assert store.run(run_id).status == "running"  # it never finished: killed
    orders = [(a[1], a[2]) for a in announced if a[0] == "order"]
    assert orders and all(order in events for order in orders)
    assert all(a[1] in fills for a in announced if a[0] == "fill")
