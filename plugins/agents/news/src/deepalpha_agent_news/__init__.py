"""The ``news`` DeepAlpha agent: headline sentiment with decaying event impact, point in time."""

__version__ = "0.1.0"
