"""A loopback server speaking Anthropic's Messages API, for tests.

Imported only by tests (it starts a thread-backed ``http.server`` on 127.0.0.1). Shapes follow
the Messages API: a success is ``{"id", "type": "message", "role": "assistant", "model",
"content": [{"type": "tool_use", "id", "name", "input"}], "stop_reason", "stop_sequence",
"usage"}``; an error is an HTTP status with ``{"type": "error", "error": {"type", "message"}}``
and a ``request-id`` header. The tests validate both (and every request received) with the
official SDK's types.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Iterator

import attrs

SECRET = "sk-ant-test-5ecret-DO-NOT-LEAK-42"
TOOL = "record_trading_decision"


@attrs.define
class Reply:
    """One canned HTTP answer; ``stall_s`` makes the server wait before answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)
    stall_s: float = 0.0


def message_payload(
    content: list[dict],
    *,
    stop_reason: str | None = "tool_use",
    model: str = "test-model",
    tokens: tuple[int, int] = (120, 40),
) -> dict:
    """A Messages API message; ``tokens`` is its ``usage`` (input, output)."""
    return {
        "id": "msg_test_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": tokens[0], "output_tokens": tokens[1]},
    }


def tool_use(tool_input: dict, name: str = TOOL) -> dict:
    return {"type": "tool_use", "id": "toolu_test_01", "name": name, "input": tool_input}


def message(
    content: list[dict],
    *,
    stop_reason: str | None = "tool_use",
    tokens: tuple[int, int] = (120, 40),
    **headers: str,
) -> Reply:
    payload = message_payload(content, stop_reason=stop_reason, tokens=tokens)
    return Reply(200, json.dumps(payload).encode(), {"request-id": "req_ok", **headers})


def decision(
    action: object = "buy",
    confidence: object = 0.7,
    rationale: object = "ema up",
    *,
    tokens: tuple[int, int] = (120, 40),
    **headers: str,
) -> Reply:
    answer = {"action": action, "confidence": confidence, "rationale": rationale}
    return message([tool_use(answer)], tokens=tokens, **headers)


def error_payload(kind: str, text: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": text}}


def error(status: int, kind: str, text: str, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(error_payload(kind, text)).encode()
    return Reply(status, body, {"request-id": f"req_{status}", **(headers or {})})


@attrs.define
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


@attrs.define
class MessagesServer:
    """Answers queued replies in order and records every request it received."""

    base_url: str
    replies: deque = attrs.field(factory=deque)
    requests: list[Recorded] = attrs.field(factory=list)
    sent: list[Reply] = attrs.field(factory=list)
    release: threading.Event = attrs.field(factory=threading.Event)

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)


@contextlib.contextmanager
def serve_messages() -> Iterator[MessagesServer]:
    """Run a ``MessagesServer`` on 127.0.0.1 (a free port) for the duration of the block."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = MessagesServer(base_url="")

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
            reply = (
                state.replies.popleft()
                if state.replies
                else error(500, "api_error", "no reply queued")
            )
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
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
