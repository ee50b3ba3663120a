"""The knowledge-cutoff guard: which consulted models may remember the market being tested.

A model asked about bars that fall before the end of its training data may answer from memory of
what happened next, which flatters a backtest the way look-ahead does. The guard cannot remove
that; it says where it applies: a window that starts before a consulted model's cutoff (or with a
model whose cutoff is unknown) is *exposed*, and the CLI, the report and ``deepalpha eval`` say so
(``decision.llm.cutoff_guard: refuse`` refuses such a backtest).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
from attrs import frozen

from ..config import Config
from ..errors import ConfigError
from ..llm_models import facts


@frozen
class Exposure:
    """One consulted model whose memory may cover the window."""

    provider: str
    model: str
    cutoff: date | None

    def describe(self) -> str:
        when = self.cutoff.isoformat() if self.cutoff else "unknown"
        return f"{self.provider} ({self.model or 'model unknown'}, training cutoff {when})"


def provider_facts(config: Config, name: str, model: str):
    """``llm_models.facts`` for the configured provider ``name`` serving ``model``, with the
    configuration's price and cutoff overrides applied."""
    cfg = config.llm_providers[name]
    price = (cfg.price.input, cfg.price.output) if cfg.price is not None else None
    cutoff = date.fromisoformat(cfg.cutoff) if cfg.cutoff else None
    return facts(model, price=price, cutoff=cutoff)


def configured_model(config: Config, name: str) -> str:
    """The model a configured provider will call, before it is built: its ``model`` option, else
    the default of the provider plugin's options class (``claude-haiku-4-5`` for ``anthropic``),
    else ``SmolLM2`` for the embedded ``smollm``; ``""`` when none is known."""
    cfg = config.llm_providers[name]
    model = cfg.options.get("model")
    if isinstance(model, str) and model:
        return model
    if cfg.provider == "smollm":
        return "SmolLM2"
    try:
        from ..plugins import get_plugin_manager

        spec = get_plugin_manager().resolve("llm", cfg.provider)
        options = getattr(spec, "options", None)
        default = attrs.fields_dict(options).get("model") if options is not None else None
    except Exception:  # an unknown provider is reported where it is built
        return ""
    if default is None or default.default is attrs.NOTHING:
        return ""
    value = (
        default.default.factory() if isinstance(default.default, attrs.Factory) else default.default
    )
    return value if isinstance(value, str) else ""


def exposures(config: Config, start_ms: int | None) -> list[Exposure]:
    """The consulted models whose training cutoff is on or after ``start_ms`` (the window's first
    bar; ``None``: the data's beginning, exposed to any model with a cutoff) or unknown."""
    llm = config.decision.llm
    if llm.consult == "never":
        return []
    start = datetime.fromtimestamp(start_ms / 1000, UTC).date() if start_ms is not None else None
    out = []
    for name in llm.providers:
        model = configured_model(config, name)
        cutoff = provider_facts(config, name, model).cutoff
        if cutoff is None or start is None or start <= cutoff:
            out.append(Exposure(name, model, cutoff))
    return out


def guard(config: Config, start_ms: int | None, where: str) -> list[Exposure]:
    """The exposures of a run over history starting at ``start_ms``; with
    ``decision.llm.cutoff_guard: refuse`` an exposed run is refused, naming ``where`` (the
    setting that chose the window) and each model's cutoff. ``ignore`` reports none."""
    mode = config.decision.llm.cutoff_guard
    if mode == "ignore":
        return []
    found = exposures(config, start_ms)
    if found and mode == "refuse":
        when = (
            datetime.fromtimestamp(start_ms / 1000, UTC).date().isoformat()
            if start_ms is not None
            else "the data's first bar"
        )
        raise ConfigError(
            f"{where}: the window starts {when}, before the training cutoff of "
            + ", ".join(e.describe() for e in found)
            + ": the model may remember this market (decision.llm.cutoff_guard: refuse); start "
            "after the cutoff or set cutoff_guard: flag"
        )
    return found
