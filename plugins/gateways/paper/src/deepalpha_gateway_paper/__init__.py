"""Paper-trading gateway for DeepAlpha: a simulated venue that books every trade exactly."""

from .gateway import GatewayHalted, PaperGateway
from .options import PaperOptions

__version__ = "0.1.0"

__all__ = ["GatewayHalted", "PaperGateway", "PaperOptions", "__version__"]
