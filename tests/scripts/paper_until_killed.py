"""Paper-trade the bundled data, printing every order and fill as the engine announces them.

Used by test_crash.py, which kills this process with SIGKILL mid-run and then checks that
everything announced is in the database. Arguments: database URL, report dir.
"""

import sys
import types

from deepalpha import hookimpl
from deepalpha.config import load_config
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins


def on_run_start(run_id):
    print(f"run {run_id}", flush=True)


def on_order(order):
    print(f"order {order.id} {order.status.value}", flush=True)


def on_fill(fill):
    print(f"fill {fill.id}", flush=True)


announcer = types.SimpleNamespace(
    on_run_start=hookimpl(on_run_start), on_order=hookimpl(on_order), on_fill=hookimpl(on_fill)
)
url, reports = sys.argv[1], sys.argv[2]
config = load_config(
    overrides={
        "storage": {"url": url},
        "decision": {"llm": {"providers": []}},
        "paper": {"start": "2018-01-01", "speed": 2000, "view": False},
        "app": {"report_dir": reports},
    }
)
run(config, "paper", plugins=load_plugins(extra=[("announcer", announcer)]))
