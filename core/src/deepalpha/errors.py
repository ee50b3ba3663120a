"""Exceptions the core raises, and ``describe`` to turn any exception into one readable line.

``UserError`` and its subclasses are mistakes a user can fix (bad config, unknown name, bad data
file); the CLI prints their message on one line and exits with status 2 instead of a traceback.
Everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re


class DeepAlphaError(Exception):
    """Root of every exception DeepAlpha raises on purpose."""


class UserError(DeepAlphaError):
    """A mistake in the user's input: config, command-line arguments, data files.

    ``source`` names the file the mistake is in once something has said so (``in_source``); the
    message then starts with it.
    """

    source: str | None = None


class ConfigError(UserError):
    """The configuration is malformed; the message names the key path and the bad value."""


class PluginError(UserError):
    """A plugin could not be resolved: unknown name, duplicated name, failed plugin in use."""


class ComponentBuildError(PluginError):
    """A plugin's factory raised, or returned the wrong kind of object, while building a component.

    ``kind`` and ``name`` say which component (``agent``, ``technical``), so a caller that knows the
    configuration can name the key path the component came from.
    """

    def __init__(self, message: str, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class PluginIncompatible(DeepAlphaError):
    """Raised by a plugin while registering when it cannot work with this core or its own parts.

    The loader reports such a plugin with status ``incompatible`` rather than ``failed``.
    """


class DataError(UserError):
    """Market data is missing, empty or malformed; the message names the file and the row."""


class LLMError(DeepAlphaError):
    """An LLM provider failed or answered something invalid. The engine turns it into ``hold``.

    ``usage`` (a ``deepalpha.llm.Usage``) is what the failed call still cost: attempts that
    reached the model are paid for. ``retry_after`` is the server's hint in seconds, when it
    sent one (a rate limit): the engine's circuit breaker waits at least that long.
    """

    def __init__(self, message: str, *, usage: object = None, retry_after: float | None = None):
        super().__init__(message)
        self.usage = usage
        self.retry_after = retry_after


class OrderRejected(DeepAlphaError):
    """A gateway refused an order (insufficient balance, bad quantity, venue refusal)."""


def in_source(exc: UserError, source: str | None) -> UserError:
    """``exc`` with its message prefixed by ``source`` (the configuration file), once.

    Errors raised while reading a file already name it; errors raised later from the structured
    configuration (``agents.nope: unknown agent``) do not know which file the key came from, and
    the command that read it adds the name here.
    """
    if not source or exc.source is not None:
        return exc
    try:
        out = type(exc)(f"{source}: {exc}")
    except TypeError:  # a subclass with its own constructor
        out = (ConfigError if isinstance(exc, ConfigError) else UserError)(f"{source}: {exc}")
    out.__dict__.update(exc.__dict__)  # e.g. ComponentBuildError's kind and name
    out.source = source
    return out


# -- one readable line from any exception ------------------------------------------------------

# attrs' validators write "'name' must be ..." and some pass the attribute, the allowed values and
# the value as further arguments, which ``str()`` shows as an unreadable tuple.
_ATTRS_IN = re.compile(r"^'(?P<name>\w+)' must be in (?P<options>.*) \(got (?P<value>.*)\)$", re.S)
_ATTRS_TYPE = re.compile(
    r"^'(?P<name>\w+)' must be (?P<type>.*) \(got (?P<value>.*) that is a (?P<got>.*)\)\.?$", re.S
)
_ATTRS_COMPARE = re.compile(
    r"^'(?P<name>\w+)' must be (?P<op><=|<|>=|>) (?P<bound>.*): (?P<value>.*)$"
)
_ATTRS_LENGTH = re.compile(
    r"^Length of '(?P<name>\w+)' must be (?P<op><=|>=) (?P<bound>\d+): (?P<value>\d+)$"
)
_ATTRS_REGEX = re.compile(
    r"^'(?P<name>\w+)' must match regex (?P<pattern>.*) \((?P<value>.*) doesn't\)$"
)
_ATTRS_OTHER = re.compile(r"^'(?P<name>\w+)' (?P<rest>(must|is|has) .*)$", re.S)
_CLASS_REPR = re.compile(r"<class '(?:[\w.]*\.)?(\w+)'>")


def _type_names(text: str) -> str:
    """``<class 'int'>`` -> ``int``; tuples of classes become ``int or float``."""
    names = _CLASS_REPR.findall(text)
    return " or ".join(names) if names else text


def _choices(options: object) -> str:
    try:
        items = sorted(options, key=repr)  # sets have no order of their own
    except TypeError:
        return repr(options)
    if isinstance(options, list | tuple):
        items = list(options)
    return ", ".join(repr(o) for o in items)


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, ``field: problem, got value`` for attrs validator errors.

    Used for configuration errors and for exceptions raised by plugin factories, so neither shows
    a Python tuple or a multi-line message on the terminal.
    """
    args = exc.args
    text = args[0] if args and isinstance(args[0], str) else str(exc)
    attribute = args[1] if len(args) > 1 else None
    if match := _ATTRS_IN.match(text):
        options = _choices(args[2]) if len(args) > 2 and attribute is not None else match["options"]
        value = repr(args[3]) if len(args) > 3 and attribute is not None else match["value"]
        text = f"{match['name']}: must be one of {options}; got {value}"
    elif match := _ATTRS_TYPE.match(text):
        value = repr(args[3]) if len(args) > 3 and attribute is not None else match["value"]
        text = (
            f"{match['name']}: must be {_type_names(match['type'])}, got {value} "
            f"({_type_names(match['got'])})"
        )
    elif match := _ATTRS_COMPARE.match(text):
        text = f"{match['name']}: must be {match['op']} {match['bound']}, got {match['value']}"
    elif match := _ATTRS_LENGTH.match(text):
        text = (
            f"{match['name']}: length must be {match['op']} {match['bound']}, got {match['value']}"
        )
    elif match := _ATTRS_REGEX.match(text):
        text = f"{match['name']}: must match {match['pattern']}, got {match['value']}"
    elif match := _ATTRS_OTHER.match(text):
        text = f"{match['name']}: {match['rest']}"
    elif not text:
        text = type(exc).__name__
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
