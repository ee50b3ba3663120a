"""The ``deepalpha`` command line."""
