"""Entry point of the ``deepalpha-gateway-ccxt`` distribution: registers the ``ccxt`` gateway."""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import GatewaySpec

from .options import CcxtGatewayOptions


def _build(options: CcxtGatewayOptions):
    # Imported here: listing plugins must not pay for ccxt (about a second cold).
    from .gateway import CcxtGateway

    return CcxtGateway(options)


@hookimpl
def register_gateways():
    return [
        GatewaySpec(
            name="ccxt",
            factory=_build,
            description="Live trading on Binance spot through ccxt (real money: needs "
            "live.enabled: true)",
            options=CcxtGatewayOptions,
            live=True,
        )
    ]
