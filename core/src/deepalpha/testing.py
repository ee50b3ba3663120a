"""Pytest plugin for plugin authors (registered under the ``pytest11`` entry point).

Fixtures and contract checks for third-party plugins live here so that every plugin tests itself
against the same expectations the core relies on.
"""
