"""The named API endpoints (``/ask``, ``/lint``, ``/draft``, ``/prep``) for ``gradio_client``.

Each returns the same JSON contract as the CLI's ``--json`` output: ``coach ask``, ``coach feedback
lint``, ``coach feedback draft`` and ``coach prep``. Bad input comes back as a Gradio error with the
library's message.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.events import api as gradio_api

from assistant.app import Coach
from assistant.errors import InputError
from assistant.feedback.draft import FeedbackDrafter
from assistant.feedback.inputs import check_text
from assistant.memory import parse_history
from assistant.notebook import Notebook
from assistant.notebook.prep import build_agenda
from assistant.web.edge import gradio_errors


class Api:
    """The endpoint functions (typed: Gradio derives the API schema from the hints).

    Args:
        coach: Answers questions.
        drafter: The feedback studio, or None when it is not available.
        notebook: The one-to-one notebook.
    """

    def __init__(self, coach: Coach, drafter: FeedbackDrafter | None, notebook: Notebook) -> None:
        self.coach = coach
        self.drafter = drafter
        self.notebook = notebook

    def _studio(self) -> FeedbackDrafter:
        if self.drafter is None:
            raise gr.Error("The feedback studio is not available in this installation.")
        return self.drafter

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer a question (a follow-up when history, ``[{"role", "content"}]``, is given).

        Returns ``{question, answer, covered, language, engine, fallback_reason, citations, related}``.
        """

        def run() -> dict[str, Any]:
            answer = self.coach.ask(question, history=parse_history(history or []))
            return answer.as_json(question.strip())

        return gradio_errors(run)()

    def lint(self, text: str) -> dict[str, Any]:
        """Lint a feedback text: ``{parts: {problem, consequence, improvement, positive}, findings}``."""
        studio = self._studio()

        def run() -> dict[str, Any]:
            clean = check_text(text, "the text", studio.max_chars)
            return dict(studio.linter.lint(clean).as_json())

        return gradio_errors(run)()

    def draft(
        self,
        person: str,
        problem: str = "",
        consequence: str = "",
        improvement: str = "",
        positive: str = "",
        tone: str = "varm",
        channel: str = "samtale",
        notes: str = "",
    ) -> dict[str, Any]:
        """Draft feedback from the four parts, or from free notes when every part is empty.

        Returns ``{draft, parts, missing, questions, findings, citations, engine}``.
        """
        studio = self._studio()

        def run() -> dict[str, Any]:
            if tone not in ("varm", "direkte") or channel not in ("samtale", "melding"):
                raise InputError("tone is varm or direkte; channel is samtale or melding.")
            fields = (problem, consequence, improvement, positive)
            if any(f.strip() for f in fields):
                made = studio.from_parts(person, *fields, tone=tone, channel=channel)  # type: ignore[arg-type]
            else:
                made = studio.from_notes(notes, person, tone=tone, channel=channel)  # type: ignore[arg-type]
            return dict(made.as_json())

        return gradio_errors(run)()

    def prep(self, person: str) -> dict[str, Any]:
        """The next one-to-one's agenda: ``{person, agenda: [{title, points, citations}], open_actions}``."""
        return gradio_errors(lambda: build_agenda(self.notebook, person).model_dump(mode="json"))()

    def register(self, concurrency: int) -> None:
        """Declare the endpoints inside the current ``gr.Blocks``."""
        for fn, name in ((self.ask, "ask"), (self.lint, "lint"), (self.draft, "draft"), (self.prep, "prep")):
            gradio_api(fn, api_name=name, concurrency_limit=concurrency, concurrency_id="answers")
