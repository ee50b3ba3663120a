"""A loopback server speaking the chat-completions wire format, for tests.

Used by this distribution's tests and by any provider built on ``StructuredChat``; imported only
by tests (it starts a thread-backed ``http.server`` on 127.0.0.1).

Payload shapes follow OpenAI's documented chat-completions API: the request is a JSON object
with ``model``, ``messages`` (``role``/``content``), ``response_format``
(``{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`` or
``{"type": "json_object"}``), ``temperature`` and ``seed``; a success is ``{"id", "object":
"chat.completion", "created", "model", "choices": [{"index", "message": {"role": "assistant",
"content", "refusal"}, "finish_reason"}], "usage"}`` (a refusal has ``content: null`` and the
model's words in ``refusal``; ``finish_reason: "length"`` marks an answer cut off by the token
limit); an error is an HTTP status with ``{"error": {"message", "type", "code"}}``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs

SECRET = "sk-test-5ecret-DO-NOT-LEAK-42"


@attrs.define
class Reply:
    """One canned HTTP answer; ``stall_s`` makes the server wait before answering.

    ``headers`` are sent besides ``Content-Type`` and ``Content-Length`` (``retry-after``...).
    """

    status: int = 200
    body: bytes = b""
    stall_s: float = 0.0
    headers: dict[str, str] = attrs.field(factory=dict)


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    model: str = "test-model",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    refusal: str | None = None,
) -> Reply:
    """A chat completion whose ``usage`` reports the given token counts."""
    message: dict[str, object] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    payload = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Reply(200, json.dumps(payload).encode())


def decision(
    action: object = "buy",
    confidence: object = 0.7,
    rationale: str = "ema up",
    *,
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> Reply:
    answer = {"action": action, "confidence": confidence, "rationale": rationale}
    return completion(
        json.dumps(answer), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )


def refusal(
    text: str = "I'm sorry, I can't help with that request.",
    *,
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> Reply:
    """A refusal: ``content`` null and the model's words in ``message.refusal``."""
    return completion(
        None,
        refusal=text,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def error(
    status: int, message: str, kind: str = "server_error", headers: dict[str, str] | None = None
) -> Reply:
    body = {"error": {"message": message, "type": kind, "code": None}}
    return Reply(status, json.dumps(body).encode(), headers=dict(headers or {}))


@attrs.define
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


@attrs.define
class ChatServer:
    """Answers queued replies in order and records every request it received and every reply
    it sent (``sent``, in order: tests add up the tokens they reported)."""

    base_url: str
    replies: deque = attrs.field(factory=deque)
    requests: list[Recorded] = attrs.field(factory=list)
    sent: list[Reply] = attrs.field(factory=list)
    release: threading.Event = attrs.field(factory=threading.Event)

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)


@contextlib.contextmanager
def serve_chat() -> Iterator[ChatServer]:
    """Run a ``ChatServer`` on 127.0.0.1 (a free port) for the duration of the block."""
    state = ChatServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(
                Recorded(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw or b"{}"),
                )
            )
            reply = state.replies.popleft() if state.replies else error(500, "no reply queued")
            state.sent.append(reply)
            if reply.stall_s:
                # Woken at teardown so the test never waits for a stalled handler.
                state.release.wait(reply.stall_s)
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may have given up (timeout test)
                self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
