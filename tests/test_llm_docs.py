"""docs/llm.md shows docs/examples/llm_providers.yaml verbatim, and that file is a configuration
`config validate` accepts with the three providers weighted as the product description says."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from deepalpha.cli.main import build_cli
from deepalpha.config import load_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "llm_providers.yaml"


def test_the_page_shows_the_example_file_verbatim() -> None:
    page = (ROOT / "docs" / "llm.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", page, re.S)
    assert EXAMPLE.read_text() in blocks


def test_the_example_validates_and_weights_the_providers(monkeypatch) -> None:
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY"):
        monkeypatch.setenv(var, f"sk-test-{var.lower()}")
    config = load_config(EXAMPLE)
    weights = {n: config.llm_providers[n].weight for n in config.decision.llm.providers}
    assert weights == {"openai": 0.4, "anthropic": 0.3, "deepseek": 0.3}
    assert config.decision.llm.budget.per_run_usd == 2.0
    result = CliRunner().invoke(build_cli(), ["config", "validate", "-c", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "sk-test" not in result.output
