"""Fixtures of the ollama provider tests: a loopback chat-completions server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deepalpha_llm_openai.testing import ChatServer, serve_chat


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with serve_chat() as server:
        yield server
