"""{{ cookiecutter.description.rstrip(".") }}."""

__version__ = "{{ cookiecutter.version }}"
