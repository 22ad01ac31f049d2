"""The one-to-one notebook.

Notes, actions, meetings and feedback drafts per seller, saved conversations, the answer-rating log,
and the agenda for the next one-to-one (:mod:`assistant.notebook.prep`).
"""

from assistant.notebook.service import Notebook

__all__ = ["Notebook"]
