"""The ``file`` data source."""

from __future__ import annotations

from pathlib import Path

import attrs
from deepalpha.data import BarSeries, DataSource, timeframe_ms
from deepalpha.errors import DataError

from . import bundled
from .frames import off_grid, smallest_gap, symbol_key, timeframe_named
from .loader import load
from .naming import EXTENSIONS, candle_filename, parse_filename
from .options import FileOptions
from .timestamps import format_ms


@attrs.frozen
class Target:
    """A resolved file and what it is known to hold (``None``: not stated, taken from the data)."""

    path: Path
    display: str
    symbol: str | None
    timeframe: str | None


class FileSource(DataSource):
    """Candles from a CSV/Parquet/Feather file, a freqtrade-style folder, or a bundled dataset."""

    name = "file"

    def __init__(self, options: FileOptions | None = None) -> None:
        self.options = options if options is not None else FileOptions()

    def __repr__(self) -> str:
        where = self.options.path or f"datadir={self.options.datadir}"
        return f"FileSource({where})"

    # -- resolution -------------------------------------------------------------------------------

    def target(self, symbol: str, timeframe: str) -> Target:
        """The file that serves ``symbol`` at ``timeframe`` under these options."""
        options = self.options
        if options.path is not None:
            if bundled.is_bundled(options.path):
                dataset = bundled.lookup(options.path)
                return Target(
                    bundled.dataset_path(dataset), options.path, dataset.symbol, dataset.timeframe
                )
            path = Path(options.path).expanduser()
            named = parse_filename(path)
            return Target(
                path,
                options.path,
                options.symbol or (named[0] if named else None),
                options.timeframe or (named[1] if named else None),
            )
        datadir = Path(options.datadir).expanduser()
        if not datadir.is_dir():
            raise DataError(f"datadir {options.datadir}: no such folder")
        names = [candle_filename(symbol, timeframe, ext) for ext in EXTENSIONS]
        found = [datadir / name for name in names if (datadir / name).is_file()]
        if not found:
            raise DataError(
                f"datadir {options.datadir}: no {symbol} {timeframe} file (looked for "
                f"{', '.join(names)}); `deepalpha data download` writes them"
            )
        if len(found) > 1:
            raise DataError(
                f"datadir {options.datadir}: both {found[0].name} and {found[1].name} hold "
                f"{symbol} {timeframe}; remove one"
            )
        return Target(found[0], str(found[0]), symbol, timeframe)

    # -- DataSource -------------------------------------------------------------------------------

    def load(self, symbol: str, timeframe: str) -> BarSeries:
        """Every candle of ``symbol`` at ``timeframe``, oldest first."""
        timeframe_ms(timeframe)
        target = self.target(symbol, timeframe)
        if target.symbol is not None and symbol_key(target.symbol) != symbol_key(symbol):
            raise DataError(f"{target.display}: holds {target.symbol}, not {symbol}")
        loaded = load(target.path, target.display)
        group = (
            next(iter(loaded.groups))
            if target.symbol is not None and len(loaded.groups) == 1
            else loaded.group_for(symbol)
        )
        series = loaded.series(group, self.options.duplicates)
        self._check_timeframe(target, series, timeframe)
        return attrs.evolve(series, symbol=symbol, timeframe=timeframe)

    @staticmethod
    def _check_timeframe(target: Target, series: BarSeries, timeframe: str) -> None:
        """The file must hold ``timeframe`` candles: as stated by its name or options, else as
        told by the shortest distance between its rows; rows off that grid are an error."""
        display = target.display
        if target.timeframe is None:
            gap = smallest_gap(series.ts)
            if gap is not None:
                held = timeframe_named(gap)
                if held is None:
                    raise DataError(
                        f"{display}: rows are {gap / 60_000:g} minutes apart, which is no "
                        f"timeframe; set the timeframe option"
                    )
                if held != timeframe:
                    raise DataError(f"{display}: holds {held} candles, not {timeframe}")
        elif target.timeframe != timeframe:
            raise DataError(f"{display}: holds {target.timeframe} candles, not {timeframe}")
        step = timeframe_ms(timeframe)
        bad = off_grid(series.ts, step)
        if bad is not None:
            apart = (int(series.ts[bad]) - int(series.ts[bad - 1])) / 60_000
            raise DataError(
                f"{display}: not {timeframe} candles: {format_ms(int(series.ts[bad]))} is "
                f"{apart:g} minutes after the row before it"
            )

    def fetch(
        self, symbol: str, timeframe: str, start: int | None = None, end: int | None = None
    ) -> BarSeries:
        series = self.load(symbol, timeframe)
        window = series.between(start, end)
        if len(window) == 0:
            shown_start = "the start" if start is None else format_ms(start)
            shown_end = "the end" if end is None else format_ms(end)
            target = self.target(symbol, timeframe)
            raise DataError(
                f"{target.display}: no {symbol} {timeframe} candles from {shown_start} to "
                f"{shown_end}; the file holds {format_ms(int(series.ts[0]))} to "
                f"{format_ms(int(series.ts[-1]))}"
            )
        return window

    def symbols(self) -> list[str]:
        options = self.options
        if options.path is not None and bundled.is_bundled(options.path):
            return [bundled.lookup(options.path).symbol]
        if options.path is not None:
            if options.symbol:
                return [options.symbol]
            named = parse_filename(Path(options.path))
            return [named[0]] if named else []
        datadir = Path(options.datadir).expanduser()
        if not datadir.is_dir():
            return []
        found = {parse_filename(p) for p in datadir.iterdir()}
        return sorted({named[0] for named in found if named})
