"""Headlines from a folder of JSON and CSV files, for offline runs and for research.

The folder (searched recursively) holds ``*.json`` files, each a list of headline objects or an
object with a ``headlines`` list (other keys, such as a ``note``, are ignored), and ``*.csv`` files
with a header row. Fields, in both: ``title`` and ``published_at`` (required), ``id``, ``source``,
``currencies`` (a list, or ``"BTC,ETH"`` in CSV), ``url``. Rows without a time are dropped (and
counted); a time that does not parse, a missing title, or a file that is not valid JSON/CSV is an
error naming the file and the row, raised when the source is built, so ``config validate`` finds it.

``path: bundled:sample`` is the sample folder shipped with the agent: SYNTHETIC headlines written
for demos and tests (see ``sample/README.md``), not news.

Files are read once per process and kept while their size and modification time are unchanged, so
the agents of several symbols share one parse.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import logging
import threading
from importlib import resources
from pathlib import Path

from attrs import field, frozen

from ..headlines import Headline
from . import NewsSource

log = logging.getLogger("deepalpha.agents.news")

BUNDLED_PREFIX = "bundled:"
BUNDLED = {"sample": "sample"}


def resolve_path(value: str) -> Path:
    """The folder ``value`` names: ``bundled:<name>`` or a filesystem path."""
    if value.startswith(BUNDLED_PREFIX):
        name = value[len(BUNDLED_PREFIX) :]
        if name not in BUNDLED:
            raise ValueError(
                f"path: unknown bundled headlines {value!r}; bundled: "
                + ", ".join(BUNDLED_PREFIX + n for n in BUNDLED)
            )
        return Path(str(resources.files("deepalpha_agent_news") / BUNDLED[name]))
    return Path(value).expanduser()


def _existing_folder(_inst: object, attribute, value: str) -> None:
    folder = resolve_path(value)
    if not folder.is_dir():
        raise ValueError(f"{attribute.name}: {value!r} is not a folder")


@frozen
class FolderOptions:
    #: A folder of headline files, or ``bundled:sample`` (synthetic sample headlines).
    path: str = field(validator=_existing_folder)
    #: Publisher for rows without a ``source``; empty: the folder's name.
    source: str = ""


class FolderSource(NewsSource):
    name = "folder"
    Options = FolderOptions

    def __init__(self, options: FolderOptions) -> None:
        self.options = options
        self.folder = resolve_path(options.path)
        default_source = options.source or (
            "sample (synthetic)" if options.path == "bundled:sample" else self.folder.name
        )
        if options.path == "bundled:sample":
            _note_sample_once()
        self.headlines, self.dropped_undated = load_folder(self.folder, default_source)
        self._times = [h.published_at for h in self.headlines]

    def __repr__(self) -> str:
        return f"FolderSource({self.options.path!r})"

    def fetch(self, currency: str, since: int, until: int) -> list[Headline]:
        lo = bisect.bisect_left(self._times, since)
        hi = bisect.bisect_left(self._times, until)
        return self.headlines[lo:hi]


_CACHE: dict[tuple[str, str], tuple[tuple, list[Headline], int]] = {}
_CACHE_LOCK = threading.Lock()
_SAMPLE_NOTED = False


def _note_sample_once() -> None:
    global _SAMPLE_NOTED
    if not _SAMPLE_NOTED:
        _SAMPLE_NOTED = True
        log.info(
            "news: reading the bundled SAMPLE headlines (synthetic, 2017-07..2019-10, for demos); "
            "configure a real source for anything else"
        )


def load_folder(folder: Path, default_source: str) -> tuple[list[Headline], int]:
    """Every dated headline in ``folder``, sorted by time, and how many undated rows it dropped."""
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in (".json", ".csv") and p.is_file() and not p.name.startswith(".")
    )
    if not files:
        raise ValueError(f"path: {str(folder)!r} holds no .json or .csv headline files")
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    key = (str(folder.resolve()), default_source)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1], cached[2]
    headlines: list[Headline] = []
    dropped = 0
    for path in files:
        rows, shown = _rows(path, folder)
        for where, row in rows:
            headline = Headline.from_mapping(
                row, where=f"{shown}, {where}", default_source=default_source
            )
            if headline is None:
                dropped += 1
            else:
                headlines.append(headline)
    headlines.sort(key=lambda h: (h.published_at, h.id))
    with _CACHE_LOCK:
        _CACHE[key] = (signature, headlines, dropped)
    if dropped:
        log.info("news folder %s: dropped %d undated headline(s)", folder, dropped)
    return headlines, dropped


def _rows(path: Path, folder: Path) -> tuple[list[tuple[str, object]], str]:
    shown = f"news file {path.relative_to(folder)}" if path.is_relative_to(folder) else str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{shown}: not valid JSON ({exc})") from None
        if isinstance(data, dict) and isinstance(data.get("headlines"), list):
            data = data["headlines"]
        if not isinstance(data, list):
            raise ValueError(
                f'{shown}: expected a list of headlines or {{"headlines": [...]}}, '
                f"got {type(data).__name__}"
            )
        return [(f"headline {i + 1}", row) for i, row in enumerate(data)], shown
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    for required in ("title", "published_at"):
        if required not in columns:
            raise ValueError(f"{shown}: no {required!r} column (columns: {', '.join(columns)})")
    rows: list[tuple[str, object]] = []
    for row in reader:
        rows.append((f"line {reader.line_num}", row))
    return rows, shown
