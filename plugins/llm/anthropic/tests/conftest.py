"""Fixtures: a loopback Messages API server whose traffic is checked with the official SDK types.

After each test, every request the server received must validate as the SDK's
``MessageCreateParamsNonStreaming`` and every well-formed reply it sent as ``Message`` or
``ErrorResponse``; deliberately broken replies (not JSON, not a message) are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from anthropic.types import ErrorResponse, Message
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from deepalpha_llm_anthropic.testing import MessagesServer, serve_messages
from pydantic import TypeAdapter

REQUEST = TypeAdapter(MessageCreateParamsNonStreaming)


def check_with_sdk(server: MessagesServer) -> None:
    for request in server.requests:
        REQUEST.validate_python(request.body)
    for reply in server.sent:
        try:
            body = json.loads(reply.body)
        except ValueError:
            continue
        kind = body.get("type") if isinstance(body, dict) else None
        if kind == "message":
            Message.model_validate(body)
        elif kind == "error":
            ErrorResponse.model_validate(body)


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    with serve_messages() as state:
        yield state
        check_with_sdk(state)
