"""Registers the ``news`` agent. Kept import-light: VADER, feedparser and httpx load when an agent
is built, not when ``deepalpha plugins list`` imports this module."""

from deepalpha import hookimpl
from deepalpha.records import AgentSpec

from .options import NewsOptions


def _build(options: NewsOptions):
    from .agent import NewsAgent

    return NewsAgent(options)


@hookimpl
def register_agents():
    return [
        AgentSpec(
            name="news",
            factory=_build,
            options=NewsOptions,
            description="Headline sentiment (VADER + crypto words, optional LLM), decaying impact",
        )
    ]
