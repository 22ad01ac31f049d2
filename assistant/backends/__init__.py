"""Factories for the swappable backends; each returns a LangChain interface."""
