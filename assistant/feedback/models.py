"""Plain data of the feedback studio: findings, lint results and drafts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: The four parts of feedback: the guidance's three (problem, consequence, improvement) plus the
#: positive reinforcement it says the feedback should be combined with.
PARTS: tuple[str, ...] = ("problem", "consequence", "improvement", "positive")
Part = Literal["problem", "consequence", "improvement", "positive"]

#: Style rules found in the wording itself (the ``missing-*`` rules follow from the parts).
STYLE_RULES: tuple[str, ...] = ("absolute-language", "personal-label", "vague-improvement")
RuleId = Literal[
    "missing-problem",
    "missing-consequence",
    "missing-improvement",
    "missing-positive",
    "absolute-language",
    "personal-label",
    "vague-improvement",
]
Tone = Literal["varm", "direkte"]
Channel = Literal["samtale", "melding"]


class Finding(BaseModel):
    """One thing the lint found in a feedback text.

    Attributes:
        rule: The rule id.
        message: Why it matters, in Norwegian, pointing to the guidance.
        start: Offset of the flagged words in the input text. ``missing-*`` findings have no words
            to point at and use the empty span ``(0, 0)``.
        end: End offset (exclusive), so ``text[start:end]`` is the flagged words.
        suggestion: A concrete way to rewrite it.
    """

    rule: RuleId
    message: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    suggestion: str


class LintResult(BaseModel):
    """What the lint says about one text.

    Attributes:
        parts: For each of the four parts, whether the text contains it.
        findings: Missing parts and style findings, in the order of the text.
        language: ``nb``, ``nn``, ``en`` or ``und``.
    """

    parts: dict[str, bool]
    findings: list[Finding]
    language: str

    def as_json(self) -> dict[str, object]:
        """The lint JSON contract: ``{"parts": {...}, "findings": [...]}``, nothing else."""
        return {
            "parts": {part: self.parts[part] for part in PARTS},
            "findings": [f.model_dump() for f in self.findings],
        }


class Citation(BaseModel):
    """A guidance section a draft applies."""

    section: str
    section_key: str


class FeedbackParts(BaseModel):
    """The four parts of one piece of feedback, as the manager's own sentences (empty when absent)."""

    problem: str = Field("", description="What happened: the observed behaviour or event.")
    consequence: str = Field("", description="What it leads to: the effect on customers, team or results.")
    improvement: str = Field("", description="What to do differently: a concrete action.")
    positive: str = Field("", description="What went well: genuine positive reinforcement.")


class FeedbackDraft(BaseModel):
    """A feedback draft for one seller.

    Attributes:
        person: Who the feedback is for.
        problem: The problem, in the manager's words.
        consequence: The consequence, in the manager's words.
        improvement: The improvement, in the manager's words.
        positive: The positive reinforcement, in the manager's words.
        tone: ``varm`` (warm) or ``direkte`` (direct).
        channel: ``samtale`` (talking points for a conversation) or ``melding`` (a short message).
        text: The finished draft.
        parts: Which parts the draft contains (as the lint sees it).
        missing: Parts the manager did not give.
        questions: One question to the manager per missing part.
        findings: Lint findings on the manager's own words (nothing is rewritten silently).
        citations: Guidance sections the draft applies.
        engine: ``template`` or ``llm``.
        fallback_reason: Why an LLM draft was rejected in favour of the template, if it was.
    """

    person: str
    problem: str = ""
    consequence: str = ""
    improvement: str = ""
    positive: str = ""
    tone: Tone = "varm"
    channel: Channel = "samtale"
    text: str
    parts: dict[str, bool]
    missing: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    engine: str = "template"
    fallback_reason: str | None = None

    def as_json(self) -> dict[str, object]:
        """The draft JSON contract: draft, parts, missing, questions, findings, citations, engine."""
        return {
            "draft": self.text,
            "parts": {part: self.parts[part] for part in PARTS},
            "missing": list(self.missing),
            "questions": list(self.questions),
            "findings": [f.model_dump() for f in self.findings],
            "citations": [c.model_dump() for c in self.citations],
            "engine": self.engine,
        }
