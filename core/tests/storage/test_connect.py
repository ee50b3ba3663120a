"""Bad URLs and unreachable servers: one line, URL named, password never shown."""

from __future__ import annotations

import socket

import pytest
from deepalpha.errors import UserError
from deepalpha.storage import Store
from deepalpha.storage.connect import mask, parse


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_one_line_without(exc: pytest.ExceptionInfo, secret: str) -> str:
    text = str(exc.value)
    assert "\n" not in text
    assert secret not in text
    return text


def test_unreachable_postgres_names_masked_url() -> None:
    port = _free_port()  # nothing listens there once the socket is closed
    url = f"postgresql+psycopg://trader:hunter2secret@127.0.0.1:{port}/nowhere"
    with pytest.raises(UserError) as exc:
        Store.open(url)
    text = _assert_one_line_without(exc, "hunter2secret")
    assert f"postgresql+psycopg://trader:***@127.0.0.1:{port}/nowhere" in text


def test_wrong_password_is_masked(pg_admin) -> None:
    if pg_admin is None:
        pytest.skip("needs DEEPALPHA_TEST_POSTGRES_URL")
    url = pg_admin.url.set(password="definitely-wrong-pw").render_as_string(hide_password=False)
    with pytest.raises(UserError) as exc:
        Store.open(url)
    text = _assert_one_line_without(exc, "definitely-wrong-pw")
    assert "***" in text


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "mysql://root:topsecret@127.0.0.1/db",
        "",
        "postgresql+nodriver://u:topsecret@127.0.0.1/db",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(UserError) as exc:
        Store.open(url)
    _assert_one_line_without(exc, "topsecret")
    assert "database" in str(exc.value)


def test_sqlite_directory_cannot_be_created(tmp_path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a directory")
    with pytest.raises(UserError, match=r"file\.txt"):
        Store.open(f"sqlite:///{blocker}/sub/store.db")


def test_postgres_aliases_use_psycopg3() -> None:
    for scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        assert parse(f"{scheme}://u:p@127.0.0.1/db").drivername == "postgresql+psycopg"


def test_mask_handles_unparseable_urls() -> None:
    assert mask("weird://user:pw@host/x y").count("pw") == 0


def test_in_memory_sqlite_is_one_database() -> None:
    with Store.open("sqlite://") as store:
        run_id = store.start_run("backtest", {}, ["BTC/USD"])
        store.record_equity(run_id, [(1, 2.0, 3.0)])
        assert store.equity(run_id)[0].tolist() == [1]


def test_closed_store_refuses_work(tmp_path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/c.db")
    store.close()
    store.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        store.runs()
