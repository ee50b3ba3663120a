"""DeepAlpha LLM provider for Anthropic's Messages API."""

__version__ = "0.1.0"
