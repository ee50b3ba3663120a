"""DeepAlpha LLM provider for OpenAI-compatible chat-completions servers.

``StructuredChat`` is public so other providers can reuse the same request and validation path
with their own httpx transport (the embedded ``smollm`` provider does).
"""

__version__ = "0.1.0"
