"""DeepAlpha LLM provider for Ollama and other OpenAI-compatible local servers."""

__version__ = "0.1.0"
