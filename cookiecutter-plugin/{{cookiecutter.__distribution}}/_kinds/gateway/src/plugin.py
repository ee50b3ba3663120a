"""Registers the ``{{ cookiecutter.plugin_name }}`` gateway.

``deepalpha plugins list`` imports this module on every run, so it stays import-light: a venue's
client library belongs in ``gateway.py``, imported when the engine builds the gateway.
"""

from deepalpha import hookimpl
from deepalpha.records import GatewaySpec

from .options import {{ cookiecutter.__class_prefix }}Options


def build(options: {{ cookiecutter.__class_prefix }}Options):
    from .gateway import {{ cookiecutter.__class_prefix }}Gateway

    return {{ cookiecutter.__class_prefix }}Gateway(options)


@hookimpl
def register_gateways():
    return [
        GatewaySpec(
            name="{{ cookiecutter.plugin_name }}",
            factory=build,
            options={{ cookiecutter.__class_prefix }}Options,
            description={{ cookiecutter.description | tojson }},
            # True only for a venue that moves real money: the engine then refuses to use the
            # gateway unless live trading was enabled explicitly (live.enabled in the config).
            live=False,
        )
    ]
