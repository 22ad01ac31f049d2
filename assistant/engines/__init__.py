"""Answer engines: extractive (default, no LLM) and LLM (grounded in numbered sources)."""
