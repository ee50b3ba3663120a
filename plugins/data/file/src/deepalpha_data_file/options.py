"""Options of the ``file`` data source (the ``options:`` mapping under it in the config).

Imported when the plugin registers, so it must stay free of numpy and pyarrow.
"""

from __future__ import annotations

import attrs

from .bundled import DATASETS, DEFAULT, PREFIX, is_bundled

#: What to do with two rows sharing a timestamp.
DUPLICATE_POLICIES = ("error", "first", "last")


def _optional_text(instance, attribute, value) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError(f"{attribute.name}: must be a non-empty string, got {value!r}")


def _check_path(instance, attribute, value) -> None:
    _optional_text(instance, attribute, value)
    if value is not None and is_bundled(value) and value[len(PREFIX) :] not in DATASETS:
        valid = ", ".join(PREFIX + name for name in DATASETS)
        raise ValueError(f"path: no bundled dataset {value!r}; bundled datasets: {valid}")


def _check_timeframe(instance, attribute, value) -> None:
    # Imported here: deepalpha.data pulls numpy, and this module is imported by `plugins list`.
    from deepalpha.data import TIMEFRAMES

    if value is not None and value not in TIMEFRAMES:
        raise ValueError(f"timeframe: must be one of {', '.join(TIMEFRAMES)}, got {value!r}")


def _check_duplicates(instance, attribute, value) -> None:
    if value not in DUPLICATE_POLICIES:
        valid = ", ".join(DUPLICATE_POLICIES)
        raise ValueError(f"duplicates: must be one of {valid}, got {value!r}")


def _default_path(options: FileOptions) -> str | None:
    return None if options.datadir is not None else DEFAULT


@attrs.frozen(kw_only=True)
class FileOptions:
    """Where candles come from: one file (``path``) or a freqtrade-style folder (``datadir``).

    With neither set, ``path`` is the bundled ``bundled:btcusd-1h`` so the default config runs
    without network. ``symbol`` and ``timeframe`` state what a ``path`` file holds when neither its
    name nor its columns tell; requests for anything else are refused rather than served silently.
    """

    datadir: str | None = attrs.field(default=None, validator=_optional_text)
    path: str | None = attrs.field(
        default=attrs.Factory(_default_path, takes_self=True), validator=_check_path
    )
    symbol: str | None = attrs.field(default=None, validator=_optional_text)
    timeframe: str | None = attrs.field(default=None, validator=_check_timeframe)
    #: Rows sharing a timestamp: ``error`` (default), or keep the ``first`` / ``last`` in the file.
    duplicates: str = attrs.field(default="error", validator=_check_duplicates)

    def __attrs_post_init__(self) -> None:
        if self.path is None and self.datadir is None:
            raise ValueError(f"path or datadir: set one (default path: {DEFAULT})")
        if self.path is not None and self.datadir is not None:
            raise ValueError(
                f"path and datadir: set one, not both "
                f"(path={self.path!r}, datadir={self.datadir!r})"
            )
        if self.datadir is not None and (self.symbol is not None or self.timeframe is not None):
            raise ValueError(
                "symbol/timeframe: only apply to a single path; files in a datadir are named "
                "after what they hold"
            )
