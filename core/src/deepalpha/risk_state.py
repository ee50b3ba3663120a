"""Trading states and the kill switch: ACTIVE, REDUCING, HALTED.

A book (``<mode>:<app.name>``, e.g. ``paper:DeepAlpha``) is in one of three states:

- ``ACTIVE``: every order the risk chain approves may be sent;
- ``REDUCING``: only orders that reduce an open position are accepted; resting orders stay;
- ``HALTED``: only reducing orders are accepted, and resting entries are cancelled.

The state lives in a small JSON file, ``trading_state.json``, in the storage directory (beside the
SQLite database), so that another process (``deepalpha halt`` in a second terminal, later the API)
can set it while a run trades. Writers take a lock, write a temporary file and rename it over the
old one, so a reader sees either the old or the new file, never half of one. Readers stat the file
and parse it only when it changed (:class:`StateFile`), which costs about a microsecond.

A book without an entry is ``ACTIVE``. A file that cannot be read or parsed reads as ``HALTED``
(when in doubt, do not open positions) with the error as the reason.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import frozen

from .domain import ZERO, Order, OrderIntent, Position

__all__ = [
    "FILE_NAME",
    "BookState",
    "StateFile",
    "TradingState",
    "book_name",
    "current",
    "describe",
    "filter_intent",
    "is_reducing",
    "orders_to_cancel",
    "set_state",
    "state_dir",
]

#: The file, in the state directory, holding every book's state.
FILE_NAME = "trading_state.json"
#: Overrides the directory the state file lives in (default: beside the SQLite database).
ENV_DIR = "DEEPALPHA_STATE_DIR"


class TradingState(enum.Enum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"

    @classmethod
    def parse(cls, value: str) -> TradingState:
        try:
            return cls(str(value).upper())
        except ValueError:
            valid = ", ".join(s.value for s in cls)
            raise ValueError(f"trading state must be one of {valid}, got {value!r}") from None


@frozen
class BookState:
    """One book's state, why it was set, when (epoch ms) and by whom."""

    state: TradingState = TradingState.ACTIVE
    reason: str = ""
    since: int = 0
    by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "reason": self.reason,
            "since": self.since,
            "by": self.by,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BookState:
        return cls(
            TradingState.parse(data.get("state", "ACTIVE")),
            str(data.get("reason", "")),
            int(data.get("since", 0)),
            str(data.get("by", "")),
        )


ACTIVE = BookState()


def book_name(mode: str, app_name: str) -> str:
    """The key of a run's book: ``paper:DeepAlpha``."""
    return f"{mode}:{app_name}"


def state_dir(storage_url: str | None = None) -> Path:
    """Where the state file lives: ``$DEEPALPHA_STATE_DIR``, else the SQLite database's directory,
    else ``./data`` (a server database has no directory of its own)."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override).expanduser()
    if storage_url and storage_url.startswith("sqlite:///"):
        path = storage_url.removeprefix("sqlite:///").split("?", 1)[0]
        if path and path != ":memory:":
            return Path(path).expanduser().parent
    return Path("data")


# -- the file --------------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, BookState]:
    """Every book in the file; a missing file has none. Raises on a corrupt file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    data = json.loads(text) if text.strip() else {}
    books = data.get("books", {}) if isinstance(data, dict) else None
    if not isinstance(books, dict):
        raise ValueError(f"{path}: 'books' must be a mapping")
    return {str(name): BookState.from_json(entry) for name, entry in books.items()}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<file>.lock`` for a read-modify-write (POSIX; a no-op elsewhere)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, books: Mapping[str, BookState]) -> None:
    """Replace the file atomically: a temporary file in the same directory, fsynced, renamed."""
    payload = {"books": {name: books[name].to_json() for name in sorted(books)}}
    fd, tmp = tempfile.mkstemp(prefix=".trading_state.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def set_state(
    directory: str | os.PathLike[str],
    books: Iterable[str],
    state: TradingState | str,
    *,
    reason: str = "",
    by: str = "cli",
    now_ms: int | None = None,
) -> dict[str, BookState]:
    """Set ``books`` to ``state`` in ``directory``'s state file; returns the new entries.

    Setting ``ACTIVE`` removes the books' entries (a book without one is active).
    """
    state = state if isinstance(state, TradingState) else TradingState.parse(state)
    path = Path(directory) / FILE_NAME
    when = int(time.time() * 1000) if now_ms is None else now_ms
    changed: dict[str, BookState] = {}
    with _locked(path):
        try:
            entries = _read(path)
        except (ValueError, OSError):
            entries = {}  # a corrupt file is replaced by what the user asked for
        for book in books:
            entry = BookState(state, reason, when, by)
            if state is TradingState.ACTIVE:
                entries.pop(book, None)
            else:
                entries[book] = entry
            changed[book] = entry
        _write(path, entries)
    return changed


class StateFile:
    """Reads one state file, parsing it again only when its mtime, size or inode changed.

    ``min_interval`` (seconds) skips even the ``stat`` for that long after the last one; the
    default 0 stats on every call, so a halt is seen by the very next order.
    """

    def __init__(self, directory: str | os.PathLike[str], *, min_interval: float = 0.0) -> None:
        self.path = Path(directory) / FILE_NAME
        self.min_interval = min_interval
        self._key: tuple[int, int, int] | None = None
        self._books: dict[str, BookState] = {}
        self._error: str | None = None
        self._checked = float("-inf")

    def _refresh(self) -> None:
        if self.min_interval > 0:
            now = time.monotonic()
            if now - self._checked < self.min_interval:
                return
            self._checked = now
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._key, self._books, self._error = None, {}, None
            return
        except OSError as exc:
            self._key, self._books, self._error = None, {}, f"cannot stat {self.path}: {exc}"
            return
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key == self._key:
            return
        try:
            self._books, self._error = _read(self.path), None
        except (ValueError, OSError, TypeError, AttributeError) as exc:
            self._books, self._error = {}, f"unreadable {self.path}: {exc}"
        self._key = key

    def current(self, book: str) -> BookState:
        """``book``'s state now; ``HALTED`` when the file is corrupt."""
        self._refresh()
        if self._error is not None:
            return BookState(TradingState.HALTED, f"trading state file {self._error}", 0, "")
        return self._books.get(book, ACTIVE)

    def books(self) -> dict[str, BookState]:
        self._refresh()
        return dict(self._books)


_files: dict[tuple[str, float], StateFile] = {}


def current(
    book: str, directory: str | os.PathLike[str] | None = None, *, min_interval: float = 0.0
) -> BookState:
    """The state of ``book`` in ``directory`` (default: :func:`state_dir` of the default
    database), from a cached :class:`StateFile` per directory."""
    directory = state_dir() if directory is None else directory
    key = (os.fspath(directory), min_interval)
    reader = _files.get(key)
    if reader is None:
        reader = _files[key] = StateFile(directory, min_interval=min_interval)
    return reader.current(book)


# -- what the engine does with a state ---------------------------------------------------------


def is_reducing(intent: OrderIntent, position: Position | Decimal | None) -> bool:
    """True when ``intent`` can only make the symbol's position smaller.

    That is an order against an open position (a sell while long, a buy while short) whose
    quantity does not exceed it; an unsized one (``quantity`` None) counts when it is marked
    ``reduce_only`` (sizing then closes the position, never more). Anything while flat opens.
    """
    held = position.quantity if isinstance(position, Position) else (position or ZERO)
    if held == 0 or held * intent.side.sign > 0:
        return False
    if intent.quantity is None:
        return intent.reduce_only
    return 0 < intent.quantity <= abs(held)


def filter_intent(
    state: BookState | TradingState, intent: OrderIntent, position: Position | Decimal | None
) -> tuple[bool, str]:
    """May ``intent`` be sent in ``state``? ``(True, "")`` or ``(False, reason)``.

    Call it on the intent the risk chain approved (sized), just before the gateway.
    """
    book = state if isinstance(state, BookState) else BookState(state)
    if book.state is TradingState.ACTIVE or is_reducing(intent, position):
        return True, ""
    held = position.quantity if isinstance(position, Position) else (position or ZERO)
    quantity = "unsized" if intent.quantity is None else f"{intent.quantity:f}"
    why = f" ({book.reason})" if book.reason else ""
    return False, (
        f"trading_state: {book.state.value}{why}: only orders reducing a position are accepted; "
        f"{intent.side.value} {quantity} {intent.symbol} with position {held:f} would not reduce it"
    )


def orders_to_cancel(
    state: BookState | TradingState,
    open_orders: Iterable[Order],
    positions: Mapping[str, Position | Decimal],
) -> list[Order]:
    """The resting orders to cancel in ``state``: in ``HALTED``, every order that is not reducing.

    An order reduces when it is against the symbol's position and, together with the reducing
    orders listed before it, no larger than the position (what would be left over opens the other
    way, so it is cancelled). Terminal orders are skipped. ``ACTIVE`` and ``REDUCING`` cancel
    nothing.
    """
    book = state if isinstance(state, BookState) else BookState(state)
    if book.state is not TradingState.HALTED:
        return []
    room: dict[str, Decimal] = {}
    cancel: list[Order] = []
    for order in open_orders:
        if order.status.is_terminal:
            continue
        pos = positions.get(order.symbol)
        held = pos.quantity if isinstance(pos, Position) else (pos or ZERO)
        left = room.setdefault(order.symbol, abs(held))
        against = held * order.side.sign < 0
        if against and 0 < order.remaining <= left:
            room[order.symbol] = left - order.remaining
        else:
            cancel.append(order)
    return cancel


def describe(book: str, entry: BookState) -> str:
    """One line for people: ``paper:DeepAlpha HALTED since 2024-05-01 12:00 UTC (reason)``."""
    if entry.state is TradingState.ACTIVE and not entry.since:
        return f"{book} ACTIVE"
    when = datetime.fromtimestamp(entry.since / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    why = f" ({entry.reason})" if entry.reason else ""
    return f"{book} {entry.state.value} since {when}{why}"
