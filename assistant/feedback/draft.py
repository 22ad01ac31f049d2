"""Feedback drafts from the four parts or from free notes, by template; an LLM may sort notes.

Decisions:

- The manager's words are kept verbatim and never rewritten silently. What the lint finds in them
  (a label, a sweeping word, a vague ask) is returned in ``findings`` with a suggestion; the manager
  decides. The template adds only fixed framing words, which contain no names or numbers.
- Positive reinforcement opens the draft (see the comment in ``prompts/feedback/draft.nb.j2``).
- A part the manager did not give is never invented: it is listed in ``missing`` with a question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.engines.deadline import call_within, deadline_in
from assistant.errors import InputError
from assistant.feedback.facts import unsupported
from assistant.feedback.inputs import check_name, check_text
from assistant.feedback.lint import FeedbackLinter
from assistant.feedback.models import PARTS, Channel, Citation, FeedbackDraft, FeedbackParts, Tone
from assistant.feedback.notes import sort_notes
from assistant.feedback.sections import SectionTitles
from assistant.prompts import PromptLibrary
from assistant.text import guess_language

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.redaction import NameRedactor

FEEDBACK_SECTION = "vaner/gi-tilbakemelding"
CARE_SECTION = "vaner/vis-at-du-bryr-deg"
ONE_TO_ONE_SECTION = "vaner/ukentlige-en-til-en-moter"


class FeedbackDrafter:
    """Builds feedback drafts that follow the guidance's three parts plus positive reinforcement.

    Args:
        linter: The feedback lint (also sorts notes into parts).
        prompts: The template library (``prompts/feedback/*.j2``).
        titles: Section titles for the citations.
        max_chars: The longest field or notes accepted.
        llm: Optional chat model that sorts notes; its result must pass the lint and the fact check.
        llm_deadline_s: Total seconds the LLM may take (a client's own timeout bounds each read, not
            the whole call); past it the template draft is used.
        redactor: When given, names in the notes (and the person's name) reach the LLM as
            placeholders and are put back in its parts (COACH_LLM__REDACT_NAMES).
    """

    def __init__(
        self,
        linter: FeedbackLinter,
        prompts: PromptLibrary,
        titles: SectionTitles,
        *,
        max_chars: int = 20000,
        llm: BaseChatModel | None = None,
        llm_deadline_s: float = 30.0,
        redactor: NameRedactor | None = None,
    ) -> None:
        self.linter = linter
        self.prompts = prompts
        self.titles = titles
        self.max_chars = max_chars
        self.llm = llm
        self.llm_deadline_s = llm_deadline_s
        self.redactor = redactor

    # -- entry points ---------------------------------------------------------------------------

    def from_parts(
        self,
        name: str,
        problem: str = "",
        consequence: str = "",
        improvement: str = "",
        positive: str = "",
        tone: Tone = "varm",
        channel: Channel = "samtale",
    ) -> FeedbackDraft:
        """Draft feedback from the four parts in the manager's words.

        Raises:
            InputError: The name is unusable, a field is too long or junk, or every field is empty.
        """
        name = check_name(name)
        given = {
            part: check_text(value, f"--{part}", self.max_chars, required=False)
            for part, value in zip(PARTS, (problem, consequence, improvement, positive), strict=True)
        }
        if not any(given.values()):
            raise InputError(
                "Give at least one of --problem, --consequence, --improvement, --positive (or --notes)."
            )
        return self._compose(name, FeedbackParts(**given), tone, channel)

    def from_notes(
        self, notes: str, name: str, tone: Tone = "varm", channel: Channel = "samtale"
    ) -> FeedbackDraft:
        """Draft feedback from free notes: each sentence goes to the part it carries.

        With an LLM, the model sorts the notes; its draft is kept only if it invents no number or
        name and the lint finds at least the parts the template engine finds, with no more style
        findings. Otherwise the template draft is returned with ``fallback_reason``.

        Raises:
            InputError: The name or the notes are unusable.
        """
        name = check_name(name)
        notes = check_text(notes, "--notes", self.max_chars)
        template = self._compose(name, sort_notes(self.linter, notes), tone, channel)
        if self.llm is None:
            return template
        try:
            llm = self.llm
            parts = call_within(lambda: self._ask_llm(llm, notes, name), deadline_in(self.llm_deadline_s))
        except Exception as exc:  # any backend failure means: use the template draft
            return template.model_copy(update={"fallback_reason": f"LLM failed: {type(exc).__name__}: {exc}"})
        draft = self._compose(name, parts, tone, channel).model_copy(update={"engine": "llm"})
        reason = self._reject_reason(draft, template, [notes, name])
        if reason:
            return template.model_copy(update={"fallback_reason": reason})
        return draft

    # -- internals ------------------------------------------------------------------------------

    def _ask_llm(self, llm: BaseChatModel, notes: str, name: str) -> FeedbackParts:
        language = "en" if guess_language(notes) == "en" else "nb"
        redaction = self.redactor.session([name]) if self.redactor is not None else None
        if redaction is not None:
            notes, name = redaction.redact(notes), redaction.redact(name)
        prompt = self.prompts.render(f"feedback/notes_llm.{language}", notes=notes, name=name)
        structured = llm.with_structured_output(FeedbackParts, method="function_calling")
        result = structured.invoke(prompt)
        if not isinstance(result, FeedbackParts):
            result = FeedbackParts.model_validate(result)
        parts = {p: " ".join(getattr(result, p).split()) for p in PARTS}
        if redaction is not None:
            parts = {p: redaction.restore(text) for p, text in parts.items()}
        return FeedbackParts(**parts)

    def _reject_reason(self, draft: FeedbackDraft, template: FeedbackDraft, sources: list[str]) -> str | None:
        invented = unsupported(draft.text, [*sources, self._fixed_words(draft)])
        if invented:
            return f"LLM draft rejected: names or numbers not in the notes: {', '.join(invented)}"
        lost = [p for p in PARTS if template.parts[p] and not draft.parts[p]]
        if lost:
            return f"LLM draft rejected: the lint no longer finds {', '.join(lost)}"
        style = [f for f in draft.findings if not f.rule.startswith("missing-")]
        if len(style) > len([f for f in template.findings if not f.rule.startswith("missing-")]):
            return "LLM draft rejected: it adds wording the lint flags"
        return None

    def _fixed_words(self, draft: FeedbackDraft) -> str:
        # Every fixed word and list number the template can add, from a rendering with all parts.
        filler = {p: "x" for p in PARTS}
        return " ".join(
            self.prompts.render(f"feedback/draft.{language}", name="", tone=draft.tone, channel=draft.channel,
                                **filler)
            for language in ("nb", "en")
        )

    def _compose(self, name: str, parts: FeedbackParts, tone: Tone, channel: Channel) -> FeedbackDraft:
        values = {p: getattr(parts, p) for p in PARTS}
        language = "en" if guess_language(" ".join(values.values())) == "en" else "nb"
        text = self.prompts.render(
            f"feedback/draft.{language}", name=name, tone=tone, channel=channel, **values
        )
        lint = self.linter.lint(text)
        missing = [p for p in PARTS if not values[p]]
        questions = [self.prompts.render(f"feedback/question.{language}", part=p, name=name) for p in missing]
        return FeedbackDraft(
            person=name, tone=tone, channel=channel, text=text, parts=lint.parts, missing=missing,
            questions=questions, findings=lint.findings, citations=self._citations(values, channel),
            engine="template", **values,
        )

    def _citations(self, values: dict[str, str], channel: Channel) -> list[Citation]:
        keys = [FEEDBACK_SECTION]
        if values["positive"]:
            keys.append(CARE_SECTION)  # acknowledging the person is how the guidance says care shows
        if channel == "samtale":
            keys.append(ONE_TO_ONE_SECTION)  # talking points are for the weekly one-to-one
        return [self.titles.citation(k) for k in keys]
