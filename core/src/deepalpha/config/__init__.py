"""Configuration: schema, layered YAML loading, strict validation, secret masking."""

from .converter import structure
from .loader import ENVIRONMENTS, load_config, load_raw, mask_secrets, to_dict
from .schema import Config
from .settings import Settings

__all__ = [
    "ENVIRONMENTS",
    "Config",
    "Settings",
    "load_config",
    "load_raw",
    "mask_secrets",
    "structure",
    "to_dict",
]
