"""Entry point of ``deepalpha-data-file``: registers the ``file`` source and ``data list``.

Kept import-light (no pyarrow, no parsing) because ``deepalpha plugins list`` imports every plugin
cold; the heavy modules load when a source is built or a command runs.
"""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import DataSourceSpec

from .options import FileOptions


def _build(options: FileOptions):
    from .source import FileSource

    return FileSource(options)


@hookimpl
def register_data_sources():
    return [
        DataSourceSpec(
            name="file",
            factory=_build,
            options=FileOptions,
            description="Candles from CSV/Parquet files or a freqtrade datadir; bundled BTC/USD 1h",
        )
    ]


@hookimpl
def register_commands(cli):
    from .cli import register

    register(cli)
