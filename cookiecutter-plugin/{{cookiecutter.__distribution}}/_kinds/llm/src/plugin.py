"""Registers the ``{{ cookiecutter.plugin_name }}`` LLM provider.

``deepalpha plugins list`` imports this module on every run, so it stays import-light: a client
library for a real model belongs in ``provider.py``, imported when the engine builds the provider.
"""

from deepalpha import hookimpl
from deepalpha.records import LLMProviderSpec

from .options import {{ cookiecutter.__class_prefix }}Options


def build(options: {{ cookiecutter.__class_prefix }}Options):
    from .provider import {{ cookiecutter.__class_prefix }}Provider

    return {{ cookiecutter.__class_prefix }}Provider(options)


@hookimpl
def register_llm_providers():
    return [
        LLMProviderSpec(
            name="{{ cookiecutter.plugin_name }}",
            factory=build,
            options={{ cookiecutter.__class_prefix }}Options,
            description={{ cookiecutter.description | tojson }},
            # True: needs neither network nor key. Set it to False once decide() calls a model.
            offline=True,
        )
    ]
