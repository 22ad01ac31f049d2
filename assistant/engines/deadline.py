"""Hard deadlines around blocking language-model calls.

HTTP clients only bound each silence (a read timeout), never a whole call: a server that keeps
sending keep-alive comments, or one byte of whitespace at a time, holds a call open for ever while
every single read succeeds. So the call runs in a worker thread and the caller waits on a queue with
the time that is left; when the deadline passes the caller raises :class:`LLMTimeoutError` at once
and the chain falls back. The worker is told to stop and closes the model's stream at its next
chunk (which stops the server's generation); a worker stuck inside a read that never returns a chunk
lingers as a daemon thread until the server closes the connection or the client's read timeout
fires, but nobody waits for it.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"


class LLMTimeoutError(TimeoutError):
    """The model did not finish within the chain's total deadline."""


def deadline_in(seconds: float) -> float:
    """The ``time.monotonic()`` value ``seconds`` from now."""
    return time.monotonic() + seconds


def iterate_within(produce: Callable[[], Iterator[T]], deadline_at: float) -> Iterator[T]:
    """Yield what ``produce()`` yields, but never past ``deadline_at``.

    Args:
        produce: Starts the blocking iteration (called in a worker thread).
        deadline_at: A ``time.monotonic()`` value.

    Yields:
        The items, in order.

    Raises:
        LLMTimeoutError: The deadline passed before the iteration ended.
        Exception: Whatever ``produce`` or its iterator raised.
    """
    items: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            iterator = produce()
            try:
                for item in iterator:
                    items.put((_ITEM, item))
                    if stop.is_set():
                        break
            finally:
                close = getattr(iterator, "close", None)
                if callable(close):
                    close()  # closing a stream early stops the server's generation
            items.put((_END, None))
        except BaseException as exc:  # handed to the caller, who decides
            items.put((_ERROR, exc))

    # The worker runs in a copy of the caller's context, so LangChain's callbacks and tracing still
    # see the model call as part of the chain's run.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(work,), name="llm-call", daemon=True).start()
    try:
        while True:
            remaining = deadline_at - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                kind, value = items.get(timeout=remaining)
            except queue.Empty:
                raise LLMTimeoutError("the language model did not finish in time") from None
            if kind == _END:
                return
            if kind == _ERROR:
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stop.set()


def call_within(call: Callable[[], T], deadline_at: float) -> T:
    """Return ``call()``, run in a worker thread, or raise :class:`LLMTimeoutError` at ``deadline_at``."""
    for result in iterate_within(lambda: iter([call()]), deadline_at):
        return result
    raise LLMTimeoutError("the language model returned nothing")  # unreachable: one item or an error
