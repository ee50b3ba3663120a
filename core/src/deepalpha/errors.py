"""Exceptions the core raises.

``UserError`` and its subclasses are mistakes a user can fix (bad config, unknown name, bad data
file); the CLI prints their message on one line and exits with status 2 instead of a traceback.
Everything else is a bug and keeps its traceback.
"""


class DeepAlphaError(Exception):
    """Root of every exception DeepAlpha raises on purpose."""


class UserError(DeepAlphaError):
    """A mistake in the user's input: config, command-line arguments, data files."""


class ConfigError(UserError):
    """The configuration is malformed; the message names the key path and the bad value."""


class PluginError(UserError):
    """A plugin could not be resolved: unknown name, duplicated name, failed plugin in use."""


class PluginIncompatible(DeepAlphaError):
    """Raised by a plugin while registering when it cannot work with this core or its own parts.

    The loader reports such a plugin with status ``incompatible`` rather than ``failed``.
    """


class DataError(UserError):
    """Market data is missing, empty or malformed; the message names the file and the row."""


class LLMError(DeepAlphaError):
    """An LLM provider failed or answered something invalid. The engine turns it into ``hold``."""


class OrderRejected(DeepAlphaError):
    """A gateway refused an order (insufficient balance, bad quantity, venue refusal)."""
