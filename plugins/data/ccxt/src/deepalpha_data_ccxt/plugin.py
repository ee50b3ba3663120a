"""Entry point of ``deepalpha-data-ccxt``: the ``ccxt`` source and ``data download``.

ccxt takes about a second to import, so nothing here imports it: the source module loads when a
source is built, the command module when the CLI is assembled (and ccxt itself only when it runs).
"""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import DataSourceSpec

from .options import CcxtOptions


def _build(options: CcxtOptions):
    from .source import CcxtSource

    return CcxtSource(options)


@hookimpl
def register_data_sources():
    return [
        DataSourceSpec(
            name="ccxt",
            factory=_build,
            options=CcxtOptions,
            description="Closed OHLCV candles from an exchange through ccxt (public, no key)",
        )
    ]


@hookimpl
def register_commands(cli):
    from .cli import register

    register(cli)
