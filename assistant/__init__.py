"""Salgscoach: a retrieval-first coaching assistant for sales managers."""

__version__ = "0.1.0"
