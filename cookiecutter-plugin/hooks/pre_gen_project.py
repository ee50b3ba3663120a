"""Refuse a plugin name that cannot be a component, entry point and package name at once."""

import re
import sys

NAME = "{{ cookiecutter.plugin_name }}"

if not re.fullmatch(r"[a-z][a-z0-9_]*", NAME) or NAME.endswith("_") or "__" in NAME:
    sys.exit(
        f"plugin_name: must be lower-case letters, digits and single underscores, starting with "
        f"a letter (it becomes the component name, the entry point and part of the package "
        f"name), got {NAME!r}"
    )
