"""``EmptyRetryTransport``: which answers count as empty, and that retries stay bounded."""

from __future__ import annotations

import json

import httpx
from deepalpha_llm_deepseek.transport import EmptyRetryTransport, is_empty_completion
from hypothesis import given
from hypothesis import strategies as st

URL = "http://127.0.0.1:9/v1/chat/completions"


def body(*contents: object, tool_calls: list | None = None) -> bytes:
    choices = []
    for i, content in enumerate(contents):
        message: dict = {"role": "assistant", "content": content}
        if tool_calls is not None:
            message["tool_calls"] = tool_calls
        choices.append({"index": i, "message": message, "finish_reason": "stop"})
    return json.dumps({"id": "x", "object": "chat.completion", "choices": choices}).encode()


@given(st.text(max_size=20))
def test_empty_means_no_visible_text(content: str) -> None:
    assert is_empty_completion(body(content)) == (content.strip() == "")


def test_null_content_is_empty_but_tool_calls_or_one_answer_are_not() -> None:
    assert is_empty_completion(body(None))
    assert not is_empty_completion(body(None, tool_calls=[{"id": "c", "type": "function"}]))
    assert not is_empty_completion(body("", '{"action": "buy"}'))
    for broken in (b"", b"not json", b"[]", b'{"choices": []}', b'{"choices": [1]}'):
        assert not is_empty_completion(broken)


@given(empties=st.integers(0, 8), retries=st.integers(0, 5), status=st.sampled_from([200, 500]))
def test_requests_are_bounded_by_empty_retries(empties: int, retries: int, status: int) -> None:
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        text = "" if len(sent) <= empties else '{"action": "hold"}'
        return httpx.Response(status, content=body(text))

    transport = EmptyRetryTransport(httpx.MockTransport(answer), retries)
    with httpx.Client(transport=transport) as client:
        response = client.post(URL, json={"model": "m"})

    if status != 200:  # errors are the openai client's to retry, never re-sent here
        assert len(sent) == 1
    else:
        assert len(sent) == min(empties, retries) + 1
        assert is_empty_completion(response.content) == (empties > retries)
    assert transport.resent == len(sent) - 1
    assert all(r.content == sent[0].content for r in sent)  # the same question every time
