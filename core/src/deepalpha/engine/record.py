"""Where LLM answers are recorded and replayed from: the store plus an in-process memo.

The key covers everything that changes an answer: provider, model, system prompt, prompt and the
provider's generation parameters (``LLMProvider.params``). So a replayed backtest asks nothing,
costs nothing and comes out bit-identical, and changing the temperature or the model never
replays an answer given under other settings. Without a store the memo alone serves the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..domain import Action
from ..llm import LLMAnswer


def _now(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _answer(row: dict) -> LLMAnswer:
    return LLMAnswer(Action(row["action"]), row["confidence"], row.get("rationale", ""))


class AnswerRecord:
    """Recorded LLM answers of one store (``None``: this process only)."""

    def __init__(self, store: Any | None) -> None:
        self._store = store
        self._memo: dict[str, LLMAnswer] = {}
        self._loaded: set[tuple[str, str]] = set()

    def preload(self, provider: str, model: str) -> None:
        """Read every recorded answer of ``provider``/``model`` at once (the first time)."""
        if self._store is None or (provider, model) in self._loaded:
            return
        self._loaded.add((provider, model))
        for key, row in self._store.llm_answers(provider, model).items():
            self._memo.setdefault(key, _answer(row))

    def key(
        self,
        provider: str,
        model: str,
        system: str,
        prompt: str,
        params: Mapping[str, Any] | None = None,
    ) -> str:
        """The question's key (``Store.llm_key``: one formula whether or not a store is kept)."""
        from ..storage.store import Store

        return Store.llm_key(provider, model, system, prompt, params or None)

    def get(
        self, key: str, provider: str | None = None, model: str | None = None
    ) -> LLMAnswer | None:
        """The recorded answer of ``key``; after ``preload(provider, model)`` the memo is
        complete for that pair (plus what this process recorded since), so a miss asks no
        database."""
        if key in self._memo:
            return self._memo[key]
        if self._store is None or (provider, model) in self._loaded:
            return None
        row = self._store.llm_get(key)
        if row is None:
            return None
        answer = self._memo[key] = _answer(row)
        return answer

    def put(
        self,
        key: str,
        provider: str,
        model: str,
        system: str,
        prompt: str,
        answer: LLMAnswer,
        *,
        params: Mapping[str, Any] | None = None,
        cost_usd: float = 0.0,
        latency_ms: float | None = None,
        write: Callable[..., Any] | None = None,
    ) -> None:
        """Record ``answer`` with what it cost (its ``usage``) and its raw text. The memo has it
        at once; ``write(fn, *args, **kwargs)`` runs the store write (a background writer),
        else it is written here."""
        self._memo[key] = answer
        if self._store is None:
            return
        usage = answer.usage
        payload = {
            "action": answer.action.value,
            "confidence": answer.confidence,
            "rationale": answer.rationale,
        }
        (write or _now)(
            self._store.llm_put,
            key,
            provider,
            model,
            system,
            prompt,
            payload,
            params=dict(params) if params else None,
            raw=answer.raw,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cost_usd=cost_usd,
            attempts=usage.attempts if usage else 1,
            latency_ms=latency_ms,
        )
