"""The ``smollm`` provider: the embedded demo model behind the shared ``StructuredChat`` path."""

from __future__ import annotations

import threading
from pathlib import Path

from deepalpha.llm import LLMAnswer, LLMProvider
from deepalpha_llm_openai.chat import StructuredChat

from .model import LocalModel, bundled_model_path
from .options import SmolLMOptions
from .transport import InProcessTransport

#: Never contacted: the transport answers in-process. Named so that a log line cannot be
#: mistaken for a network call.
IN_PROCESS_URL = "http://smollm.in-process/v1"


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
        local, chat = self._ensure()
        local.load()  # load errors surface here as LLMError, not as transport failures
        return chat.decide(system, prompt)

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
