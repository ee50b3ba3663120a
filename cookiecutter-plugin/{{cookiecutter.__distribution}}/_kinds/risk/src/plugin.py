"""Registers the ``{{ cookiecutter.plugin_name }}`` risk rule.

``deepalpha plugins list`` imports this module on every run, so keep it import-light.
"""

from deepalpha import hookimpl
from deepalpha.records import RiskRuleSpec

from .options import {{ cookiecutter.__class_prefix }}Options


def build(options: {{ cookiecutter.__class_prefix }}Options):
    from .rule import {{ cookiecutter.__class_prefix }}Rule

    return {{ cookiecutter.__class_prefix }}Rule(options)


@hookimpl
def register_risk_rules():
    return [
        RiskRuleSpec(
            name="{{ cookiecutter.plugin_name }}",
            factory=build,
            options={{ cookiecutter.__class_prefix }}Options,
            description={{ cookiecutter.description | tojson }},
        )
    ]
