"""What the app replicas share beside the generation collections on a Chroma server.

- :class:`MetaCollection`: one small collection ``<collection>-meta`` that holds the pointer to the
  published generation (one record, replaced by one upsert: the atomic publish) and named blobs
  (each generation's manifest and BM25 statistics), cut into records of at most ``PIECE`` characters.
- :class:`ChromaWriterLock`: one writer at a time across machines. Creating a collection is atomic on
  the server (it fails when the name exists), so the lock is a collection ``<collection>-lock`` whose
  metadata names the holder and carries a heartbeat; a lock whose holder died (same host, process
  gone) or whose heartbeat stopped longer than ``stale_s`` ago is taken over.

Every record needs a vector in Chroma; meta records get the one-dimensional ``[1.0]``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from assistant.errors import IndexLockedError, IndexStateError

_POINTER = "pointer"
#: Characters of base64 per blob record (a few MB per request stays far below the server's limits).
PIECE = 2_000_000
_DUMMY = [1.0]


class MetaCollection:
    """The pointer and the blobs in the meta collection.

    Args:
        collection: The chromadb collection ``<collection>-meta``.
    """

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    # -- the pointer ------------------------------------------------------------------------------
    def pointer(self) -> str | None:
        """The published generation's name, or None before the first publish."""
        found = self._collection.get(ids=[_POINTER], include=["documents"])
        documents = found["documents"] or []
        return str(documents[0]) if documents else None

    def set_pointer(self, name: str) -> None:
        """Point readers at a generation: one record replaced in one request."""
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        self._collection.upsert(
            ids=[_POINTER], embeddings=[_DUMMY], documents=[name],
            metadatas=[{"kind": "pointer", "generation": name, "published": stamp}],
        )

    # -- blobs --------------------------------------------------------------------------------------
    def put_blob(self, key: str, data: bytes) -> None:
        """Store bytes under a key, replacing what was there (not atomic: write before publishing)."""
        self.delete_blob(key)
        text = base64.b64encode(data).decode("ascii")
        pieces = [text[i : i + PIECE] for i in range(0, len(text), PIECE)] or [""]
        digest = hashlib.sha256(data).hexdigest()
        for part, piece in enumerate(pieces):
            meta = {"kind": "blob", "key": key, "part": part, "parts": len(pieces), "sha256": digest}
            self._collection.add(
                ids=[f"blob:{key}:{part:05d}"], embeddings=[_DUMMY], documents=[piece], metadatas=[meta]
            )

    def get_blob(self, key: str) -> bytes | None:
        """The bytes stored under a key, or None.

        Raises:
            IndexStateError: Pieces are missing or the bytes do not match their checksum.
        """
        found = self._collection.get(where={"key": key}, include=["documents", "metadatas"])
        if not found["ids"]:
            return None
        parts = sorted(zip(found["metadatas"], found["documents"], strict=True), key=lambda p: p[0]["part"])
        expected = int(parts[0][0]["parts"])
        data = base64.b64decode("".join(str(doc) for _, doc in parts)) if len(parts) == expected else b""
        if len(parts) != expected or hashlib.sha256(data).hexdigest() != parts[0][0]["sha256"]:
            raise IndexStateError(f"the stored {key} on the Chroma server is incomplete; run `coach index`")
        return data

    def has_blob(self, key: str) -> bool:
        """Whether a key has been stored (its first piece exists)."""
        return bool(self._collection.get(ids=[f"blob:{key}:00000"], include=[])["ids"])

    def blob_keys(self) -> set[str]:
        """Every stored key."""
        found = self._collection.get(where={"part": 0}, include=["metadatas"])
        return {str(m["key"]) for m in found["metadatas"] or []}

    def delete_blob(self, key: str) -> None:
        """Delete a key's pieces (nothing happens when there are none)."""
        self._collection.delete(where={"key": key})


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


class ChromaWriterLock:
    """A writer lock held as a collection on the Chroma server (see the module docstring).

    Args:
        client: The chromadb client.
        name: The lock collection's name.
        stale_s: A lock without a heartbeat for this long is taken over.
    """

    def __init__(self, client: Any, name: str, stale_s: float) -> None:
        self._client = client
        self._name = name
        self._stale_s = stale_s
        self._host = socket.gethostname()
        self.holder = f"{self._host}:{os.getpid()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._collection: Any = None
        self._since = 0.0

    def _metadata(self) -> dict[str, Any]:
        return {"holder": self.holder, "host": self._host, "pid": os.getpid(), "since": self._since,
                "beat": time.time()}

    def _try_create(self) -> bool:
        from chromadb.errors import ChromaError

        self._since = time.time()
        try:
            self._collection = self._client.create_collection(self._name, metadata=self._metadata())
        except ChromaError:
            return False  # it exists: someone holds it
        return True

    def _abandoned(self, metadata: dict[str, Any]) -> bool:
        if time.time() - float(metadata.get("beat", 0)) > self._stale_s:
            return True
        return metadata.get("host") == self._host and not _pid_alive(int(metadata.get("pid", 0)))

    def __enter__(self) -> None:
        from chromadb.errors import ChromaError, NotFoundError

        for _ in range(2):
            if self._try_create():
                self._thread = threading.Thread(target=self._beat, name="chroma-lock-heartbeat", daemon=True)
                self._thread.start()
                return
            try:
                held = self._client.get_collection(self._name)
            except NotFoundError:
                continue  # released between our two requests: try again
            metadata = dict(held.metadata or {})
            if not self._abandoned(metadata):
                since = datetime.fromtimestamp(float(metadata.get("since", 0)), UTC)
                raise IndexLockedError(
                    f"another writer ({metadata.get('holder', 'unknown')}, since "
                    f"{since.isoformat(timespec='seconds')}) is indexing on the Chroma server; wait for it"
                )
            try:
                # Only the lock we judged abandoned: its id changes if another writer replaced it.
                if self._client.get_collection(self._name).id == held.id:
                    self._client.delete_collection(self._name)
            except ChromaError:
                pass
        raise IndexLockedError("another writer took the Chroma server's index lock first; try again")

    def _beat(self) -> None:
        while not self._stop.wait(self._stale_s / 4):
            try:
                self._collection.modify(metadata=self._metadata())
            except Exception:  # a missed heartbeat must not kill the sync; the next one retries
                continue

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        from chromadb.errors import ChromaError

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            if self._client.get_collection(self._name).id == self._collection.id:
                self._client.delete_collection(self._name)
        except ChromaError:
            pass  # already taken over or gone
