"""Where library errors become messages in the browser: the web app's only error translation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import gradio as gr

from assistant.errors import CoachError

P = ParamSpec("P")
R = TypeVar("R")


def gradio_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a call so that the project's errors reach the page as a readable toast (``gr.Error``).

    Anything else is a bug and keeps its traceback in the server log (Gradio shows a generic error).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except CoachError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    return wrapper
