"""Feedback drafts: order, tone and channel, own lint, facts kept, missing parts, the LLM gate."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import Field

from assistant.app import build_feedback
from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import InputError
from assistant.feedback.draft import FeedbackDrafter
from assistant.feedback.models import FeedbackDraft

PARTS = ("problem", "consequence", "improvement", "positive")
NB = {
    "problem": "I går sendte du tilbudet til Bergmann AS uten at rabatten var godkjent av meg.",
    "consequence": "Vi måtte trekke tilbudet og sende et nytt, og kunden ble usikker på prisene våre.",
    "improvement": "Send rabatter over 10 % til meg for godkjenning før tilbudet går ut.",
    "positive": "Presentasjonen din for Bergmann AS var tydelig og godt strukturert.",
}
EN = {
    "problem": "In yesterday's demo with Norlys you went 25 minutes over the agreed time.",
    "consequence": "Their CFO had to leave before we got to pricing.",
    "improvement": "Keep a timer running and leave the last 15 minutes for pricing and next steps.",
    "positive": "The live walkthrough in the demo was excellent and the client loved it.",
}
TEMPLATE_WORDS = " ".join(
    p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "prompts" / "feedback").glob("*.j2")
)


@pytest.fixture(scope="module")
def drafter(tmp_path_factory: pytest.TempPathFactory) -> FeedbackDrafter:
    return build_feedback(Settings(data_dir=tmp_path_factory.mktemp("data")))  # type: ignore[call-arg]


def names_and_numbers(text: str) -> set[str]:
    """Numbers and capitalised words that do not open a sentence or a list item."""
    text = re.sub(r"(?m)^\d+\. ", "", text)  # list numbering is layout, not a fact
    found = set(re.findall(r"\d+", text))
    for line in text.splitlines():
        for sentence in re.split(r"(?<=[.!?:])\s+", line):
            words = re.findall(r"[^\W\d_]+", sentence)
            found |= {w for w in words[1:] if w[0].isupper()}
    return found


def missing_rules(draft: FeedbackDraft) -> list[str]:
    return [f.rule for f in draft.findings if f.rule.startswith("missing-")]


def style_rules(draft: FeedbackDraft) -> list[str]:
    return [f.rule for f in draft.findings if not f.rule.startswith("missing-")]


@pytest.mark.parametrize("tone", ["varm", "direkte"])
@pytest.mark.parametrize("channel", ["samtale", "melding"])
@pytest.mark.parametrize("parts", [NB, EN], ids=["nb", "en"])
def test_draft_from_four_parts_passes_its_own_lint_and_keeps_the_facts(
    drafter: FeedbackDrafter, parts: dict[str, str], tone: str, channel: str
) -> None:
    draft = drafter.from_parts("Kari", tone=tone, channel=channel, **parts)  # type: ignore[arg-type]
    # the manager's words verbatim, in the guidance's order, positive reinforcement first
    positions = [draft.text.index(parts[p]) for p in ("positive", "problem", "consequence", "improvement")]
    assert positions == sorted(positions)
    # its own lint: every part found, nothing flagged
    assert draft.parts == dict.fromkeys(PARTS, True)
    assert missing_rules(draft) == [] and style_rules(draft) == []
    assert drafter.linter.lint(draft.text).findings == []
    # no new names or numbers: all come from the inputs, the name, or the template's fixed words
    sources = " ".join([*parts.values(), "Kari", TEMPLATE_WORDS])
    assert {f for f in names_and_numbers(draft.text) if f not in sources} == set()
    assert draft.missing == [] and draft.questions == [] and draft.engine == "template"


def test_english_inputs_give_an_english_draft(drafter: FeedbackDrafter) -> None:
    en = drafter.from_parts("Tom", **EN)
    nb = drafter.from_parts("Kari", **NB)
    assert "Talking points" in en.text and "Samtalepunkter" in nb.text


def test_tone_and_channel_change_the_wording(drafter: FeedbackDrafter) -> None:
    texts = {
        (t, c): drafter.from_parts("Kari", tone=t, channel=c, **NB).text  # type: ignore[arg-type]
        for t in ("varm", "direkte")
        for c in ("samtale", "melding")
    }
    assert len(set(texts.values())) == 4
    assert "\n" not in texts[("varm", "melding")]  # a message is one paragraph
    assert texts[("varm", "samtale")].count("\n") >= 5  # talking points, one per line
    assert len(texts[("direkte", "melding")]) < len(texts[("varm", "melding")])


def test_citations_come_from_the_guidance_headings(drafter: FeedbackDrafter) -> None:
    full = drafter.from_parts("Kari", channel="samtale", **NB)
    keys = [c.section_key for c in full.citations]
    assert keys[0] == "vaner/gi-tilbakemelding" and full.citations[0].section == "Gi tilbakemelding"
    assert "vaner/vis-at-du-bryr-deg" in keys and "vaner/ukentlige-en-til-en-moter" in keys
    bare = drafter.from_parts("Kari", channel="melding", problem=NB["problem"])
    assert [c.section_key for c in bare.citations] == ["vaner/gi-tilbakemelding"]


def test_missing_parts_get_a_question_and_are_never_invented(drafter: FeedbackDrafter) -> None:
    draft = drafter.from_parts("Kari", problem=NB["problem"])
    assert draft.missing == ["consequence", "improvement", "positive"]
    assert len(draft.questions) == 3
    assert "Hva blir konsekvensen hvis dette fortsetter" in draft.questions[0]
    assert draft.parts == {"problem": True, "consequence": False, "improvement": False, "positive": False}
    assert missing_rules(draft) == ["missing-consequence", "missing-improvement", "missing-positive"]


def test_the_managers_own_wording_is_kept_and_flagged(drafter: FeedbackDrafter) -> None:
    draft = drafter.from_parts(
        "Thomas",
        problem="Du er rett og slett lat, og du glemmer alltid møtene.",
        improvement="Skjerp deg.",
        consequence="Kunden ventet i 20 minutter.",
        positive="Du har god kontakt med kundene.",
    )
    assert "Du er rett og slett lat, og du glemmer alltid møtene." in draft.text  # not rewritten
    words = {f.rule: draft.text[f.start : f.end] for f in draft.findings}
    assert words == {
        "personal-label": "lat",
        "absolute-language": "alltid",
        "vague-improvement": "Skjerp deg",
    }


def test_draft_from_notes_sorts_sentences_verbatim(drafter: FeedbackDrafter) -> None:
    notes = (
        "Hei Tone. Du har vært flink til å holde kontakten med kundene i Trondheim. I går glemte du å "
        "ringe tilbake til Aas Maskin, og de har nå bestilt fra en konkurrent."
    )
    draft = drafter.from_notes(notes, "Tone")
    assert draft.positive == "Du har vært flink til å holde kontakten med kundene i Trondheim."
    assert draft.problem == "I går glemte du å ringe tilbake til Aas Maskin."
    assert draft.consequence == "De har nå bestilt fra en konkurrent."
    assert draft.improvement == "" and draft.missing == ["improvement"]
    assert draft.questions == ["Hva konkret ønsker du at Tone gjør annerledes neste gang, og innen når?"]
    assert {f for f in names_and_numbers(draft.text) if f not in notes + TEMPLATE_WORDS} == set()


def test_notes_keep_neutral_sentences_and_drop_only_greetings(drafter: FeedbackDrafter) -> None:
    notes = "Hei Kari. Møtet med Hansen var på tirsdag. Du kom 20 minutter for sent. Kunden ventet."
    draft = drafter.from_notes(notes, "Kari")
    assert draft.problem == "Møtet med Hansen var på tirsdag. Du kom 20 minutter for sent."
    assert draft.consequence == "Kunden ventet."
    assert "Hei Kari." not in draft.text


def test_notes_about_the_person_drop_their_headings(drafter: FeedbackDrafter) -> None:
    notes = (
        "Notat før samtalen med Ola: Han har ikke sendt tilbudet til Vik AS. Kunden har ringt meg to "
        "ganger. Plan: han sender det i dag. Han er ellers den flinkeste på demo."
    )
    draft = drafter.from_notes(notes, "Ola")
    assert draft.problem == "Han har ikke sendt tilbudet til Vik AS."
    assert draft.consequence == "Kunden har ringt meg to ganger."
    assert draft.improvement == "Han sender det i dag."
    assert draft.positive == "Han er ellers den flinkeste på demo."
    assert "Notat" not in draft.text and "Plan:" not in draft.text


def test_notes_with_only_praise_ask_for_the_rest(drafter: FeedbackDrafter) -> None:
    draft = drafter.from_notes("Thank you for covering my calls while I was out. Great job!", "Sam")
    assert draft.missing == ["problem", "consequence", "improvement"]
    assert draft.questions[0].startswith("What exactly happened")
    assert "Talking points" in draft.text


# --- the LLM path, with a named fake (nothing real can run in tests) ------------------------------


class FakeStructuredChatModel(BaseChatModel):
    """A fake chat model whose structured output is a fixed parts object (or an error)."""

    parts: dict[str, str] = Field(default_factory=dict)
    error: str = ""
    methods: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "fake-structured"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise NotImplementedError("only with_structured_output is used")

    def with_structured_output(
        self, schema: Any, *, method: str = "function_calling", **kwargs: Any
    ) -> Runnable[Any, Any]:
        self.methods.append(method)

        def answer(_prompt: Any) -> Any:
            if self.error:
                raise TimeoutError(self.error)
            return schema(**self.parts)

        return RunnableLambda(answer)


NOTES = (
    "Du har god kontakt med kundene, Line. På messen brukte du mye tid på mobilen mens besøkende "
    "ventet. Vi fikk færre leads enn planlagt."
)


def _with_llm(drafter: FeedbackDrafter, llm: BaseChatModel) -> FeedbackDrafter:
    return FeedbackDrafter(drafter.linter, drafter.prompts, drafter.titles, llm=llm)


def test_llm_draft_is_used_when_it_passes_lint_and_fact_check(drafter: FeedbackDrafter) -> None:
    fake = FakeStructuredChatModel(
        parts={
            "problem": "På messen brukte du mye tid på mobilen mens besøkende ventet.",
            "consequence": "Det gjorde at vi fikk færre leads enn planlagt.",
            "improvement": "",
            "positive": "Du har god kontakt med kundene.",
        },
        methods=[],
    )
    draft = _with_llm(drafter, fake).from_notes(NOTES, "Line")
    assert draft.engine == "llm" and draft.fallback_reason is None
    assert fake.methods == ["function_calling"]
    assert draft.consequence.startswith("Det gjorde at") and draft.missing == ["improvement"]


def test_llm_draft_that_invents_a_number_falls_back_to_the_template(drafter: FeedbackDrafter) -> None:
    fake = FakeStructuredChatModel(
        parts={
            "problem": "På messen brukte du mye tid på mobilen.",
            "consequence": "Vi fikk 40 færre leads enn planlagt.",  # 40 is not in the notes
            "improvement": "",
            "positive": "Du har god kontakt med kundene.",
        },
        methods=[],
    )
    draft = _with_llm(drafter, fake).from_notes(NOTES, "Line")
    assert draft.engine == "template"
    assert draft.fallback_reason is not None and "40" in draft.fallback_reason
    assert "40" not in draft.text


def test_llm_draft_that_invents_a_name_or_loses_a_part_falls_back(drafter: FeedbackDrafter) -> None:
    named = FakeStructuredChatModel(
        parts={
            "problem": "Du glemte Hansen på messen.",
            "consequence": "",
            "improvement": "",
            "positive": "",
        },
        methods=[],
    )
    draft = _with_llm(drafter, named).from_notes(NOTES, "Line")
    assert draft.engine == "template" and "Hansen" in (draft.fallback_reason or "")
    empty = FakeStructuredChatModel(parts={p: "" for p in PARTS}, methods=[])
    draft = _with_llm(drafter, empty).from_notes(NOTES, "Line")
    assert draft.engine == "template" and "no longer finds" in (draft.fallback_reason or "")


def test_llm_failure_falls_back_to_the_template(drafter: FeedbackDrafter) -> None:
    draft = _with_llm(drafter, FakeStructuredChatModel(error="too slow", methods=[])).from_notes(
        NOTES, "Line"
    )
    assert draft.engine == "template" and "TimeoutError" in (draft.fallback_reason or "")
    assert draft.text == drafter.from_notes(NOTES, "Line").text


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Kari"}, "at least one"),
        ({"name": "Kari", "problem": "   ", "positive": ""}, "at least one"),
        ({"name": "", "problem": "x y"}, "--name is empty"),
        ({"name": "🙂", "problem": "x y"}, "must be a name"),
        ({"name": "Kari", "problem": "x" * 20001}, "limit is 20000"),
        ({"name": "Kari", "problem": "😤🙄👎"}, "no words"),
        ({"name": "Kari", "problem": "abc\x00\x01def"}, "control characters"),
    ],
)
def test_bad_input_is_an_input_error(drafter: FeedbackDrafter, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        drafter.from_parts(**kwargs)


def test_bad_notes_are_an_input_error(drafter: FeedbackDrafter) -> None:
    for notes, message in (("", "empty"), ("x" * 20001, "limit"), ("🙄🙄", "no words")):
        with pytest.raises(InputError, match=message):
            drafter.from_notes(notes, "Kari")


def test_names_with_quotes_and_sql_are_just_text(drafter: FeedbackDrafter) -> None:
    name = "O'Brien \"; DROP TABLE people; --"
    draft = drafter.from_parts(name, problem=NB["problem"])
    assert draft.person == name and name in draft.text


def test_draft_latency(drafter: FeedbackDrafter) -> None:
    timings: Sequence[float] = []
    for i in range(50):
        started = time.perf_counter()
        drafter.from_parts("Kari", tone="varm" if i % 2 else "direkte", **NB)
        timings = [*timings, (time.perf_counter() - started) * 1000]
    assert statistics.median(timings) < 250  # measured ~10 ms on 2 cores
