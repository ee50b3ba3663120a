"""Options of the ``{{ cookiecutter.plugin_name }}`` data source: ``market.options`` in the config.

The config loader builds this class from the user's mapping: an unknown key is an error, and the
``ValueError`` of a validator is shown after the key path, so messages start with the field name.
"""

from __future__ import annotations

import attrs
from attrs import field, frozen


def _folder(_instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must be a non-empty path, got {value!r}")


@frozen
class {{ cookiecutter.__class_prefix }}Options:
    #: The folder holding one CSV file per symbol and timeframe (``BTC-USD_1h.csv``).
    folder: str = field(validator=_folder)
