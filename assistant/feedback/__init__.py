"""The feedback studio: a lint for feedback texts and drafts built from the guidance's three parts.

No language model is needed: the lint uses cue lexicons (``knowledge/feedback/``) and, when given, the
bundled e5 embeddings; drafts come from templates in ``prompts/feedback/``. An LLM may rewrite notes
when one is configured, gated by the same lint and a fact check.
"""
