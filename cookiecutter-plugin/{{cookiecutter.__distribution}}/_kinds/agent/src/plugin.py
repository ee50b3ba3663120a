"""Registers the ``{{ cookiecutter.plugin_name }}`` agent.

``deepalpha plugins list`` imports this module on every run, so it stays import-light: the agent
module (and the Rust kernel behind it) is imported only when the engine builds an agent.
"""

from deepalpha import hookimpl
from deepalpha.records import AgentSpec

from .options import {{ cookiecutter.__class_prefix }}Options


def build(options: {{ cookiecutter.__class_prefix }}Options):
    """Called once per symbol of a run: each symbol gets its own agent and its own indicators."""
    from .agent import {{ cookiecutter.__class_prefix }}Agent

    return {{ cookiecutter.__class_prefix }}Agent(options)


@hookimpl
def register_agents():
    return [
        AgentSpec(
            name="{{ cookiecutter.plugin_name }}",
            factory=build,
            options={{ cookiecutter.__class_prefix }}Options,
            description={{ cookiecutter.description | tojson }},
        )
    ]
