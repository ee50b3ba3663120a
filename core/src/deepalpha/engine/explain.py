"""Explanations of decisions, and the one-line rationale derived from them.

Every ``Decision`` carries a structured explanation (a JSON-ready dict, stored with the decision):
the signals with the weight each got and the vote each cast, the weighted vote, conflicts, the
veto, what each LLM answered and how it counted, the combined score, the minimum-confidence step
and whether the decision came from the cache. ``rationale`` writes the one line people read from
that dict alone, starting with the final action, and states a combined score only where its sign
is the action's, so the line cannot contradict the decision (property-tested). The old line
``sell (0.16) vote -0.640 with LLM smollm: buy 0.80`` now reads
``sell 0.16: combined -0.160 <= -0.100: agents -0.640 (weight 1.00) outvote LLM smollm buy 0.80
(counted +0.800 at weight 0.50)``.

Keys (``outcome`` tells which of the optional parts decided):

- ``action``, ``confidence``, ``position`` (-1, 0, 1), ``allow_short``, ``outcome``: one of
  ``vote``, ``llm_voter``, ``llm_arbiter``, ``veto``, ``min_confidence``, ``llm_failed``;
- ``signals``: per agent ``agent, direction, strength, confidence, veto, score`` (direction x
  strength x confidence), ``base_weight, multiplier, accuracy, weight, share`` (weight / sum of
  weights) and ``vote`` (share x score: the signals' votes add up to the vote's score);
- ``vote``: ``score, threshold, action``;
- ``conflict``: ``present, at_confidence, long, short`` (agent names);
- ``veto``: ``agents`` vetoing, ``blocked`` (the action the veto turned into hold, or null);
- ``llm``: null when no model was asked, else ``role, weight, combine, agent_weight, answers``
  (per provider that answered: ``provider, model, weight, action, confidence, counted,
  replayed``, the model's ``rationale``, and ``attempts, input_tokens, output_tokens, cost_usd,
  latency_ms``), ``unavailable`` (per provider that gave no answer: ``provider, reason`` and what
  it cost), ``usage`` (the decision's calls, attempts, tokens and dollars), ``score`` (the
  providers' weighted mean of the counted answers), ``failed`` (why no provider answered, or
  null), ``skipped`` (why no model was asked, or null);
- ``combined``: ``score, action`` (the vote, the vote with the LLM, or the arbiter's score);
- ``min_confidence``: ``value, passed``;
- ``cache``: ``hit`` and, on a hit, ``decided_ts, age_ms``;
- ``steps``: the same story as short sentences, in the order the engine took them.
"""

from __future__ import annotations

from typing import Any

_SIGN_WORD = {"buy": ">=", "sell": "<="}


def _agents(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _threshold_clause(score: float, action: str, threshold: float) -> str:
    """``+0.640 >= +0.100`` / ``-0.160 <= -0.100`` / ``+0.050 inside +-0.100``."""
    if action == "buy":
        return f"{score:+.3f} >= {threshold:+.3f}"
    if action == "sell":
        return f"{score:+.3f} <= {-threshold:+.3f}"
    return f"{score:+.3f} inside +-{threshold:.3f}"


def _llm_said(llm: dict[str, Any]) -> str:
    return ", ".join(
        f"{a['provider']} {a['action']} {a['confidence']:.2f} (counted {a['counted']:+.3f})"
        for a in llm["answers"]
    )


def _combination(expl: dict[str, Any]) -> str:
    """How the combined score came about, without restating an action as the decision."""
    vote = expl["vote"]
    combined = expl["combined"]
    llm = expl.get("llm")
    threshold = vote["threshold"]
    if llm is None or llm.get("answers") is None or not llm["answers"] or llm.get("failed"):
        return (
            f"weighted vote {_threshold_clause(combined['score'], combined['action'], threshold)}"
        )
    if llm["role"] == "arbiter":
        return (
            f"LLM arbiter {_llm_said(llm)} is final at {combined['score']:+.3f}; "
            f"agents voted {vote['score']:+.3f}"
        )
    c = combined["score"]
    agents, model = vote["score"], llm["score"]
    # Who carried the combination: the side whose sign the combined score has.
    if (c > 0 and model < 0) or (c < 0 and model > 0):
        relation = "outvote"
    elif (c > 0 and agents < 0) or (c < 0 and agents > 0):
        relation = "are outvoted by"
    else:
        relation = "with"
    return (
        f"combined {_threshold_clause(c, combined['action'], threshold)}: agents {agents:+.3f} "
        f"(weight {llm['agent_weight']:.2f}) {relation} LLM {_llm_said(llm)} at weight "
        f"{llm['weight']:.2f}"
    )


def rationale(expl: dict[str, Any]) -> str:
    """The one-line rationale of an explanation; it starts with the action it explains."""
    action = expl["action"]
    confidence = expl["confidence"]
    outcome = expl["outcome"]
    head = f"{action} {confidence:.2f}"
    if outcome == "veto":
        veto = expl["veto"]
        text = (
            f"{head}: {veto['blocked']} blocked by a risk-off veto from "
            f"{_agents(veto['agents'])} (exits still pass); {_combination(expl)}"
        )
    elif outcome == "llm_failed":
        text = (
            f"{head}: LLM {expl['llm']['failed']}; holding (agents voted "
            f"{expl['vote']['score']:+.3f})"
        )
    elif outcome == "min_confidence":
        proposed = expl["combined"]["action"]
        text = (
            f"{head}: {proposed} not taken, confidence {confidence:.2f} is below "
            f"min_confidence {expl['min_confidence']['value']:.2f} ({_combination(expl)})"
        )
    else:
        text = f"{head}: {_combination(expl)}"
    if expl["conflict"]["present"]:
        text += (
            f"; agents conflict (long: {_agents(expl['conflict']['long'])}; "
            f"short: {_agents(expl['conflict']['short'])})"
        )
    if expl["veto"]["agents"] and outcome != "veto":
        text += f"; veto by {_agents(expl['veto']['agents'])} stands (nothing opened or added)"
    cache = expl.get("cache") or {}
    if cache.get("hit"):
        text += f" [cache hit: decided {cache['age_ms'] / 1000:g} s earlier]"
    return text


def cache_step(age_ms: int) -> str:
    return f"cache hit: the same signals and position were decided {age_ms / 1000:g} s earlier"


def steps(expl: dict[str, Any]) -> list[str]:
    """The engine's steps in order, as short sentences (shown by ``deepalpha decisions show``)."""
    vote = expl["vote"]
    out = [
        f"{len(expl['signals'])} signal(s); weighted vote "
        f"{_threshold_clause(vote['score'], vote['action'], vote['threshold'])} -> "
        f"{vote['action']}"
    ]
    conflict = expl["conflict"]
    if conflict["present"]:
        out.append(
            f"conflict at confidence >= {conflict['at_confidence']:.2f}: long "
            f"{_agents(conflict['long'])} vs short {_agents(conflict['short'])}"
        )
    cache = expl.get("cache") or {}
    if cache.get("hit"):
        out.append(cache_step(cache["age_ms"]))
    llm = expl.get("llm")
    if llm is not None:
        if llm.get("skipped"):
            out.append(f"LLM not asked: {llm['skipped']}")
        elif llm.get("failed"):
            out.append(f"LLM {llm['failed']}: hold")
        else:
            for a in llm["answers"]:
                how = "replayed" if a["replayed"] else "asked"
                cost = f", ${a['cost_usd']:.4f}" if a.get("cost_usd") else ""
                out.append(
                    f"LLM {a['provider']} ({how}{cost}) said {a['action']} {a['confidence']:.2f}, "
                    f"counted {a['counted']:+.3f} as {llm['role']}"
                    + (f" at provider weight {a['weight']:g}" if "weight" in a else "")
                )
            for u in llm.get("unavailable") or []:
                out.append(f"LLM {u['provider']} gave no answer: {u['reason']}")
    combined = expl["combined"]
    out.append(f"combined {combined['score']:+.3f} -> {combined['action']}")
    veto = expl["veto"]
    if veto["agents"]:
        out.append(
            f"veto by {_agents(veto['agents'])}: "
            + (
                f"{veto['blocked']} would open or add exposure: hold"
                if veto["blocked"]
                else "nothing opened or added, exits pass"
            )
        )
    mc = expl["min_confidence"]
    if not mc["passed"]:
        out.append(f"confidence {expl['confidence']:.2f} < min_confidence {mc['value']:.2f}: hold")
    out.append(f"decision: {expl['action']} ({expl['confidence']:.2f})")
    return out
