"""DeepAlpha's live gateway through ccxt (Binance spot)."""

from .options import CcxtGatewayOptions

__all__ = ["CcxtGateway", "CcxtGatewayOptions", "Reconciliation", "VenueUnavailable"]


def __getattr__(name: str):
    # The gateway imports ccxt lazily: importing the package (as plugin discovery does) stays cheap.
    if name in ("CcxtGateway", "Reconciliation", "VenueUnavailable"):
        from . import gateway

        return getattr(gateway, name)
    raise AttributeError(name)
