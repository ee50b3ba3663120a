"""A real-money run needs a live gateway, live.enabled and a confirmation naming the gateway; a
paper gateway never becomes live. Uses the installed `ccxt` gateway (live) and `paper`."""

from __future__ import annotations

import sys

import pytest
from deepalpha.cli import run_cmd
from deepalpha.config import load_config
from deepalpha.errors import UserError


def _config(gateway: str, enabled: bool):
    return load_config(overrides={"gateway": {"name": gateway}, "live": {"enabled": enabled}})


def test_paper_is_never_live_and_refuses_a_confirmation() -> None:
    assert run_cmd._confirmed_live(_config("paper", True), None) is False
    with pytest.raises(UserError, match="does not trade real money here"):
        run_cmd._confirmed_live(_config("paper", True), "paper")


def test_a_live_gateway_needs_the_gateways_name(monkeypatch) -> None:
    config = _config("ccxt", True)
    assert run_cmd._confirmed_live(config, "ccxt") is True
    with pytest.raises(UserError, match="the configured gateway is 'ccxt'"):
        run_cmd._confirmed_live(config, "binance")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    with pytest.raises(UserError, match="no terminal to confirm it; pass --confirm-live ccxt"):
        run_cmd._confirmed_live(config, None)


def test_the_prompt_must_be_answered_with_the_name(monkeypatch) -> None:
    config = _config("ccxt", True)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(run_cmd.click, "prompt", lambda *a, **k: "yes")
    with pytest.raises(UserError, match="not confirmed"):
        run_cmd._confirmed_live(config, None)
    monkeypatch.setattr(run_cmd.click, "prompt", lambda *a, **k: "ccxt")
    assert run_cmd._confirmed_live(config, None) is True


def test_without_live_enabled_it_is_not_a_live_run() -> None:
    # The run itself then refuses the gateway (prepare: "set live.enabled: true").
    assert run_cmd._confirmed_live(_config("ccxt", False), None) is False
