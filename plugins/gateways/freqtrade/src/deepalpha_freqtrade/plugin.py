"""Entry point of ``deepalpha-gateway-freqtrade``: the ``deepalpha freqtrade`` commands.

Import-light: neither freqtrade nor pandas is imported until a command runs or a strategy is
loaded, so ``deepalpha plugins list`` stays fast and works without freqtrade installed.
"""

from __future__ import annotations

from deepalpha import hookimpl


@hookimpl
def register_commands(cli):
    from .cli import register

    register(cli)
