"""The news-source extension point and how a configured source name becomes an object.

A source answers one question: which headlines about ``currency`` were published in
``[since, until)`` (epoch milliseconds UTC)? Three ship with the agent: ``rss`` (RSS/Atom feeds
through feedparser), ``cryptopanic`` (a CryptoPanic-style JSON API over httpx) and ``folder``
(dated JSON/CSV files, for offline runs). Others are found in two ways:

- by name, from the entry-point group ``deepalpha.news_sources`` (how an installed distribution
  offers one: ``mysource = "my_package.module:MySource"``); the three above are registered there
  too, so first-party and third-party sources are found the same way;
- by class path, ``"my_package.module:MySource"`` (anything with a colon), for a script or a source
  that is not worth a distribution.

Two distributions offering one name is an error naming both; an unknown name lists the installed
ones.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Iterable, Mapping
from typing import Any

from ..headlines import Headline

GROUP = "deepalpha.news_sources"


class NewsSourceError(Exception):
    """A source could not answer (network, HTTP status, bad payload). The message names the source
    and the problem and never carries a secret (tokens are not in URLs shown in messages)."""


class NewsSource(abc.ABC):
    """Where headlines come from.

    Subclasses set ``Options`` to an attrs class: the agent structures the configured ``options``
    mapping into it (unknown keys and bad values are errors naming the key) and passes the result to
    ``__init__``. A source without options leaves ``Options = None`` and takes no argument.
    """

    #: Short name used in messages and logs.
    name: str = "news"
    #: attrs class of this source's options, or ``None`` when it takes none.
    Options: type | None = None

    @abc.abstractmethod
    def fetch(self, currency: str, since: int, until: int) -> Iterable[Headline]:
        """Headlines about ``currency`` (a code such as ``"BTC"``) published in ``[since, until)``.

        A source may return more than asked (other currencies, untagged items, a wider window): the
        agent filters again and never trusts a source with point-in-time correctness. It must not
        invent times: an item without a publication time is dropped, not dated "now". Raise
        ``NewsSourceError`` when the source cannot answer; the agent logs it and carries on with the
        other sources.
        """

    def close(self) -> None:
        """Release clients and files."""


def source_class(name: str) -> type[NewsSource]:
    """The ``NewsSource`` subclass a configured ``source`` names (entry point or class path)."""
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            obj: Any = importlib.import_module(module.strip())
            for part in filter(None, attr.strip().split(".")):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"source: cannot import {name!r}: {exc}") from None
        if not (isinstance(obj, type) and issubclass(obj, NewsSource)):
            raise ValueError(f"source: {name!r} is not a NewsSource subclass")
        return obj
    from deepalpha.entrypoints import entry_points

    found = [ep for ep in entry_points(GROUP) if ep.name == name]
    if not found:
        installed = ", ".join(sorted({ep.name for ep in entry_points(GROUP)})) or "none"
        raise ValueError(
            f"source: unknown news source {name!r}; installed: {installed} "
            "(or a class path such as 'my_package.module:MySource')"
        )
    dists = {(ep.dist_name, ep.value) for ep in found}
    if len(dists) > 1:
        both = " and ".join(sorted(f"{d} ({v})" for d, v in dists))
        raise ValueError(f"source: news source {name!r} is offered by {both}; uninstall one")
    cls = found[0].load()
    if not (isinstance(cls, type) and issubclass(cls, NewsSource)):
        raise ValueError(f"source: {name!r} from {found[0].dist_name} is not a NewsSource subclass")
    return cls


def build_source(name: str, options: Mapping[str, Any] | None, path: str) -> NewsSource:
    """Build the source ``name`` with ``options`` checked against its options class.

    Errors are ``ValueError`` whose message starts with ``path`` (``sources[0].options.url: ...``),
    so the configuration error names the key the user wrote.
    """
    try:
        cls = source_class(name)
    except ValueError as exc:
        raise ValueError(f"{path}.{exc}") from None
    if cls.Options is None:
        if options:
            raise ValueError(f"{path}.options: source {name!r} takes no options, got {options!r}")
        return cls()
    from deepalpha.config import structure
    from deepalpha.errors import ConfigError

    try:
        opts = structure(dict(options or {}), cls.Options, f"{path}.options", source="")
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    try:
        return cls(opts)
    except ValueError as exc:  # the data behind valid options is wrong (a bad headline file)
        raise ValueError(f"{path}: {exc}") from None


__all__ = ["GROUP", "NewsSource", "NewsSourceError", "build_source", "source_class"]
