"""DeepAlpha LLM provider for DeepSeek, built on ``deepalpha-llm-openai``'s ``StructuredChat``."""

__version__ = "0.1.0"
