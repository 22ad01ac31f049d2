"""The error hierarchy of Salgscoach.

Library code raises these; only the edges (CLI, UI) turn them into user-facing messages.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base class for every error Salgscoach raises on purpose."""


class ConfigError(CoachError):
    """The settings are invalid or name something that does not exist."""


class InputError(CoachError):
    """The user's input (question, path, option) cannot be used."""


class DocumentLoadError(CoachError):
    """One document could not be read; indexing skips it and goes on.

    Attributes:
        path: The file that failed.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexStateError(CoachError):
    """The knowledge index is missing, locked, damaged or built with another model."""


class IndexMissingError(IndexStateError):
    """No index has been built yet."""


class IndexLockedError(IndexStateError):
    """Another process is writing the index."""


class EmbeddingMismatchError(IndexStateError):
    """The index was built with a different embedding model than the one configured."""


class BackendError(CoachError):
    """A backend (embedding model, vector store) could not be created or failed."""


class NotFoundError(InputError):
    """A named record (person, action, conversation) does not exist."""


class StoreError(CoachError):
    """The database could not be opened, upgraded or written (locked, full, newer schema)."""


class BackupError(CoachError):
    """A backup could not be written, or a restore could not write the data dir (a full disk, say)."""


def cause_chain(exc: BaseException, limit: int = 10) -> list[BaseException]:
    """The exception and what it wraps (``__cause__``, else ``__context__``), outermost first.

    Wrappers (ours or a library's) keep the original error as cause or context; classifying an error
    means looking down this chain. Stops at ``limit`` links and at a cycle.
    """
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < limit and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
