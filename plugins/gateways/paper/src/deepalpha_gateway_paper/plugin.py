"""Entry point of the ``deepalpha-gateway-paper`` distribution: registers the ``paper`` gateway."""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import GatewaySpec

from .options import PaperOptions


def _build(options: PaperOptions):
    # Imported here so that listing plugins does not pay for the gateway module.
    from .gateway import PaperGateway

    return PaperGateway(options)


@hookimpl
def register_gateways():
    return [
        GatewaySpec(
            name="paper",
            factory=_build,
            description="Simulated venue: market and limit orders, fees, slippage, exact booking",
            options=PaperOptions,
            live=False,
        )
    ]
