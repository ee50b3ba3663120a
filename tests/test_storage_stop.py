"""A PostgreSQL server that stops answering mid-run: one ``UserError`` line, and a resumable run.

The server is "stopped" for the run by cutting it off: the run's store talks to PostgreSQL through
a loopback TCP relay that this test closes after the fifth fill (every open connection dropped,
new ones refused, as when the server goes away). The run must end with one line naming the
database, leave the run ``running``, and the next run of the book must resume it and end exactly
as an uninterrupted run on SQLite.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import types
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from deepalpha import hookimpl
from deepalpha.config import load_config
from deepalpha.engine.runner import run
from deepalpha.errors import UserError
from deepalpha.plugins import load_plugins
from deepalpha.storage import Store

PG_ENV = "DEEPALPHA_TEST_POSTGRES_URL"


class Relay:
    """Forwards 127.0.0.1:<port> to the server until ``cut`` (then refuses, like a stopped one)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.closed:
                client.close()
                return
            server = socket.create_connection(self.target, timeout=10)
            server.settimeout(None)
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


@pytest.fixture
def pg_schema_url() -> Iterator[sa.URL]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL not tested: {PG_ENV} is unset")
    admin = sa.create_engine(url)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _config(url: str, tmp_path):
    return load_config(
        overrides={
            "app": {"name": "stop", "report_dir": str(tmp_path / "reports")},
            "storage": {"url": url},
            "agents": {
                "technical": {"enabled": True},
                **{n: {"enabled": False} for n in ("pattern", "trend", "risk", "news")},
            },
            "decision": {"llm": {"providers": []}},
            "risk": {"sizing": {"options": {"fraction": 0.2}}},
            "paper": {"start": "2019-09-01", "end": "2019-12-01", "speed": 0, "view": False},
        }
    )


def test_postgres_stopping_mid_run_is_one_line_and_the_run_resumes(tmp_path, pg_schema_url):
    relay = Relay(pg_schema_url.host or "127.0.0.1", pg_schema_url.port or 5432)
    through = pg_schema_url.set(host="127.0.0.1", port=relay.port)
    url = through.render_as_string(hide_password=False)
    fills = []

    def on_fill(fill):
        fills.append(fill)
        if len(fills) == 5:
            relay.cut()

    cutter = types.SimpleNamespace(on_fill=hookimpl(on_fill))
    with pytest.raises(UserError) as info:
        done = run(
            _config(url, tmp_path),
            "paper",
            plugins=load_plugins(extra=[("cutter", cutter)]),
            report=False,
        )
        pytest.fail(f"the run ended after {len(fills)} fills: {done.stats}")
    message = str(info.value)
    assert "\n" not in message and "stopped answering mid-run" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert f":{pg_schema_url.password}@" not in message

    direct = pg_schema_url.render_as_string(hide_password=False)
    with Store.open(direct) as store:
        (killed,) = store.runs()
        assert killed.status == "running"
        assert len(store.fills(killed.id)) == 5

    resumed = run(_config(direct, tmp_path), "paper", report=False)
    assert resumed.run_id == killed.id and resumed.resumed is not None
    reference = run(_config(f"sqlite:///{tmp_path}/ref.db", tmp_path), "paper", report=False)
    with Store.open(direct) as store, Store.open(f"sqlite:///{tmp_path}/ref.db") as ref:
        assert store.run(killed.id).status == "finished"
        assert store.fills(killed.id) == ref.fills(reference.run_id)
        assert list(store.equity(killed.id)[1]) == list(ref.equity(reference.run_id)[1])
    assert resumed.summary == reference.summary
