"""Registers the ``{{ cookiecutter.plugin_name }}`` data source.

``deepalpha plugins list`` imports this module on every run, so it stays import-light: the source
module (and numpy) is imported only when the engine builds the source.
"""

from deepalpha import hookimpl
from deepalpha.records import DataSourceSpec

from .options import {{ cookiecutter.__class_prefix }}Options


def build(options: {{ cookiecutter.__class_prefix }}Options):
    from .source import {{ cookiecutter.__class_prefix }}Source

    return {{ cookiecutter.__class_prefix }}Source(options)


@hookimpl
def register_data_sources():
    return [
        DataSourceSpec(
            name="{{ cookiecutter.plugin_name }}",
            factory=build,
            options={{ cookiecutter.__class_prefix }}Options,
            description={{ cookiecutter.description | tojson }},
        )
    ]
