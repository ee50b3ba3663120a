"""Keep the API key out of everything a user or a log can read.

The key must reach the server in the ``Authorization`` header and nowhere else. Two places could
leak it: our own messages, and response bodies that echo it (some servers repeat the key they
rejected in their 401 text). Response bodies flow into the openai client's exceptions and into
instructor's error logging, neither of which we control, so ``transport.ScrubbingTransport``
removes the key from every response body before any of that code sees it.

No httpx here: ``options`` imports this module while the core lists plugins.
"""

from __future__ import annotations

MASK = "***"


def mask(value: str | None) -> str:
    """What to print instead of a secret: never a prefix or suffix of it."""
    return "None" if value is None else MASK


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by the mask."""
    return text.replace(secret, MASK) if secret else text
