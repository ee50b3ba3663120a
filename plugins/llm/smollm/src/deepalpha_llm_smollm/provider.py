"""The ``smollm`` provider: the embedded demo model behind the shared ``StructuredChat`` path.

Its rationales are labelled ``[demo model]``: a 135M-parameter model has no trading judgement,
and its fluent text must not be read as analysis in logs, reports or the live view.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import attrs
from deepalpha.errors import LLMError
from deepalpha.llm import DECISION_SCHEMA, LLMAnswer, LLMProvider, Usage
from deepalpha_llm_openai.chat import StructuredChat, generation_params

from .model import LocalModel, bundled_model_path
from .options import SmolLMOptions
from .transport import InProcessTransport

#: Never contacted: the transport answers in-process. Named so that a log line cannot be
#: mistaken for a network call.
IN_PROCESS_URL = "http://smollm.in-process/v1"

#: Starts every rationale of this provider, so nobody mistakes the demo model's text for analysis.
DEMO_LABEL = "[demo model] "
#: The decision schema's bound on the rationale, which the labelled text keeps to.
MAX_RATIONALE_CHARS: int = DECISION_SCHEMA["properties"]["rationale"]["maxLength"]


def labelled(rationale: str) -> str:
    """``rationale`` behind ``DEMO_LABEL``, cut so the whole stays within the schema's limit."""
    room = MAX_RATIONALE_CHARS - len(DEMO_LABEL)
    text = rationale.strip()
    if len(text) > room:
        text = text[: room - 3].rstrip() + "..."
    return DEMO_LABEL + text


class SmolLMProvider(LLMProvider):
    """SmolLM2-135M-Instruct (Q4_1 GGUF) run by llama.cpp inside this process.

    A demo model with no trading judgement; use it to run the pipeline offline, not for signals.
    The model loads on the first ``decide`` (about half a second) and stays loaded until
    ``close``.
    """

    name = "smollm"

    def __init__(self, options: SmolLMOptions | None = None) -> None:
        self.options = options if options is not None else SmolLMOptions()
        self._path = Path(self.options.model_path) if self.options.model_path else None
        self.model = self._path.stem if self._path else "SmolLM2-135M-Instruct.Q4_1"
        self._local: LocalModel | None = None
        self._chat: StructuredChat | None = None
        self._setup = threading.Lock()  # agents may ask from several threads at once

    def __repr__(self) -> str:
        return f"SmolLMProvider({self.options!r})"

    @property
    def loaded(self) -> bool:
        return self._local is not None and self._local.loaded

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        """The model's decision, its rationale labelled ``[demo model]`` (see ``labelled``).

        ``usage`` counts the in-process calls (re-asks included) and the tokens llama.cpp
        reports; ``raw`` is the model's own JSON text, unlabelled.
        """
        try:
            local, chat = self._ensure()  # a missing model wheel is an LLMError here
            local.load()  # load errors surface here as LLMError, not as transport failures
        except LLMError as exc:
            if exc.usage is None:
                exc.usage = Usage(attempts=0)  # the model never ran
            raise
        answer = chat.decide(system, prompt)
        return attrs.evolve(answer, rationale=labelled(answer.rationale))

    def params(self) -> dict[str, Any]:
        """Greedy decoding under the decision schema's grammar, with this seed and token bound;
        threads, context size and re-ask counts do not change the answer."""
        opts = self.options
        return {
            **generation_params(
                temperature=0.0,
                seed=opts.seed,
                response_format="json_schema",
                extra_body={"max_tokens": opts.max_tokens},
            ),
            "grammar": "json_schema",
        }

    def _ensure(self) -> tuple[LocalModel, StructuredChat]:
        with self._setup:
            if self._local is None or self._chat is None:
                opts = self.options
                path = self._path or bundled_model_path()
                self.model = path.stem
                self._local = LocalModel(
                    path, n_threads=opts.n_threads, n_ctx=opts.n_ctx, seed=opts.seed
                )
                self._chat = StructuredChat(
                    base_url=IN_PROCESS_URL,
                    model=self.model,
                    timeout_s=600.0,  # nothing to time out in-process; max_tokens bounds the work
                    max_retries=opts.max_retries,
                    temperature=0.0,
                    seed=opts.seed,
                    transport=InProcessTransport(self._local.chat_completion),
                    extra_body={"max_tokens": opts.max_tokens},
                    label=self.name,
                )
            return self._local, self._chat

    def close(self) -> None:
        with self._setup:
            if self._chat is not None:
                self._chat.close()
                self._chat = None
            if self._local is not None:
                self._local.close()
                self._local = None
