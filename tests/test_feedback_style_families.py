"""Style rules on word families and shapes added in the round on f697-f836 (texts written for these tests)."""

from __future__ import annotations

import pytest

from assistant.config import PROJECT_ROOT
from assistant.feedback.lint import FeedbackLinter
from assistant.feedback.models import LintResult


@pytest.fixture(scope="module")
def linter() -> FeedbackLinter:
    return FeedbackLinter.from_folder(PROJECT_ROOT / "knowledge" / "feedback", [PROJECT_ROOT / "knowledge"])


def flagged(result: LintResult, text: str, rule: str) -> list[str]:
    return [text[f.start : f.end] for f in result.findings if f.rule == rule]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Du leverer stendig timelistene etter fristen, og lønna blir forsinket for alle.", "stendig"),
        ("Du har ikke oppdatert kundekortene en eneste gang siden august, og salgssjefen mangler tall.",
         "ikke oppdatert kundekortene en eneste gang"),
        ("You chronically miss the Monday cut-off, so the orders ship a week late.", "chronically"),
        ("You haven't logged a call once this quarter, and the forecast is guesswork.",
         "haven't logged a call once"),
        ("Når du lukker butikken, står bakdøra ulåst uten unntak.", "uten unntak"),
    ],
)
def test_new_sweeping_words_in_criticism(linter: FeedbackLinter, text: str, words: str) -> None:
    assert flagged(linter.lint(text), text, "absolute-language") == [words]


def test_a_note_about_him_is_no_address_to_someone_else(linter: FeedbackLinter) -> None:
    text = "Sigurd er evinnelig sent ute med referatene fra kundemøtene. Han sender dem ofte en uke etterpå."
    assert flagged(linter.lint(text), text, "absolute-language") == ["evinnelig"]


@pytest.mark.parametrize(
    "text",
    [
        "Sigrid, you never close a ticket without calling the customer back first. Thank you for that.",
        "Du ringer alltid tilbake samme dag, Tore, og kundene merker det. Takk!",
    ],
)
def test_double_negatives_and_good_habits_are_praise(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "absolute-language") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hei toppselger 🙄 ingen avtaler i hele mars, og teamet bommet på kvartalsmålet.", "Hei toppselger"),
        ("For en salgsmaskin du er. Glemte tilbudet til Hansen igjen, og de valgte en annen.",
         "For en salgsmaskin"),
        ("Well, aren't you the pricing genius. The quote went out at cost and we lost the margin.",
         "aren't you the pricing genius"),
        ("Notes on Per: lazy guy. Skipped two site visits and the client complained.", "lazy"),
    ],
)
def test_mock_titles_and_labels_on_a_person_noun(linter: FeedbackLinter, text: str, words: str) -> None:
    assert flagged(linter.lint(text), text, "personal-label") == [words]


@pytest.mark.parametrize(
    "text",
    [
        "Du er virkelig en toppselger, Lise – tolv nye avtaler denne måneden!",
        "What a pricing genius you are, Tom: the Nordby deal closed at full margin.",
        "He's not a lazy guy; the route was simply too long.",
    ],
)
def test_honest_titles_and_denied_labels_are_no_labels(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "personal-label") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Tre kunder fikk feil faktura. Nå må du ta deg skikkelig i nakken.", "ta deg skikkelig i nakken"),
        ("Lageret gikk tomt igjen. Jeg trenger at du strammer deg opp.", "strammer deg opp"),
        ("Messestanden var ikke klar. Du må få bedre kontroll.", "få bedre kontroll"),
        ("Målet ble ikke nådd i april. Vi forventer at du viser en tydeligere innsatsvilje.",
         "viser en tydeligere innsatsvilje"),
    ],
)
def test_vague_asks_with_adverbs_and_formal_leads(linter: FeedbackLinter, text: str, words: str) -> None:
    assert flagged(linter.lint(text), text, "vague-improvement") == [words]


def test_the_same_verbs_with_a_concrete_how_are_not_vague(linter: FeedbackLinter) -> None:
    text = "Messestanden var ikke klar. Få bedre kontroll ved å bruke sjekklista innen fredag kl. 12."
    assert flagged(linter.lint(text), text, "vague-improvement") == []
    text = "Ta deg tid sammen med kunden til å lese kontrakten."
    assert flagged(linter.lint(text), text, "vague-improvement") == []


# --- round on f837-f976: Nynorsk and English forms, chat, notes with headings (texts written here)


@pytest.mark.parametrize(
    "text",
    [
        "Du ringjer til stadigheit kundane etter klokka ni om kvelden, og dei har klaga til meg.",
        "I'm afraid your expense claims invariably reach me after payroll has closed.",
        "Hver gang jeg spør om ukerapporten får jeg den halvveis utfylt og for sent.",
        "Du står i eitt kjør og pratar i telefonen når det er stille i butikken.",
    ],
)
def test_sweeping_words_framed_by_the_manager_or_a_condition(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "absolute-language")


@pytest.mark.parametrize(
    "text",
    [
        "Notes – Selma\n\nWhat went well\n- You always prepare a one-page brief before each pitch.\n\n"
        "Next steps\n- Send me the Q2 forecast by Friday.",
        "You meet the Friday deadline every single time, and the warehouse plans around you.",
        "Hver gang vi har kundemøte, får du ros av kunden.",
    ],
)
def test_praise_sections_and_kept_targets_are_no_verdict(linter: FeedbackLinter, text: str) -> None:
    assert not flagged(linter.lint(text), text, "absolute-language")


@pytest.mark.parametrize(
    "text",
    [
        "Innkjøparen hos kunden skreiv at du var ein skikkeleg cowboy i forhandlingane.",
        "The buyer described you as a bit of a chancer after the pricing call.",
        "Ærleg talt oppfører han seg som ein frekkas i møta med leverandørane.",
        "Haha, Captain Chaos booked the demo room twice again 🙃 Can you check the calendar first?",
        "Du er jammen en ekte forretningsmann – solgte lisensene til halv pris uten å spørre meg.",
    ],
)
def test_labels_in_slang_nicknames_and_inverted_notes(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "personal-label")


@pytest.mark.parametrize(
    "text",
    [
        "Tre kundar har venta på tilbod i to veker. No må du setje i eit gir til.",
        "Ho må ta seg i nakken når det gjeld rapportane.",
        "The Berg quote went out with the wrong VAT again. Raise your standards.",
        "Next steps\n- Generally be more on top of things with the paperwork.",
    ],
)
def test_vague_asks_in_new_words(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "vague-improvement")


def test_a_raised_standard_with_a_how_is_not_vague(linter: FeedbackLinter) -> None:
    text = "Raise your standards on quotes by checking the VAT line against the price list before sending."
    assert not flagged(linter.lint(text), text, "vague-improvement")


@pytest.mark.parametrize(
    "text",
    [
        "Det er aldri ryddig på lageret når du har stengt, Jonas. I går lå paller i gangen.",
        "Every Monday it's the same, Priya: the pipeline report comes in late, without exception.",
        "Hver måned er det det samme: du leverer timelistene for sent.",
    ],
)
def test_missing_states_vocatives_and_same_story_are_verdicts(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "absolute-language")


@pytest.mark.parametrize(
    "text",
    [
        "Du svarer alltid kundene innen en time, Ida, og det setter de pris på.",
        "Latteren din i møtet løste opp stemningen, og Lattmann-kontoret likte deg godt.",
    ],
)
def test_quick_answers_and_latt_words_are_no_verdicts_or_labels(linter: FeedbackLinter, text: str) -> None:
    result = linter.lint(text)
    assert not flagged(result, text, "absolute-language")
    assert not flagged(result, text, "personal-label")


@pytest.mark.parametrize(
    "text",
    [
        "Notat: Petter er så sløv i oppfølgingen. Han ringte ikke Brødrene Dahl tilbake i går.",
        "Jeg tviler på om du i det hele tatt passer til å jobbe med kunder etter det som skjedde i dag.",
        "Du er virkelig en forhandlingsguru – ga bort 30 % rabatt før kunden spurte. Kunden har klaget.",
    ],
)
def test_named_labels_doubted_fit_and_mock_gurus(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "personal-label")


def test_a_label_of_the_customer_in_a_side_clause_is_not_the_persons(linter: FeedbackLinter) -> None:
    text = "Du avbrøt kunden i går fordi han ble sur. Neste gang lar du ham snakke ferdig."
    assert not flagged(linter.lint(text), text, "personal-label")


@pytest.mark.parametrize(
    "text",
    [
        "Du glemte å sende tilbudet igjen. Dette må du bare få ordna.",
        "No må du kome deg på beina att og gjere ein skikkeleg innsats.",
        "Han må vise at han tar jobben på alvor.",
        "Nå må det bli en helt annen holdning fra deg!",
        "You missed the Dahl call again. Make a real effort.",
    ],
)
def test_vague_asks_by_shape(linter: FeedbackLinter, text: str) -> None:
    assert flagged(linter.lint(text), text, "vague-improvement")


def test_a_fix_with_a_how_is_not_vague(linter: FeedbackLinter) -> None:
    text = "Dette må du få ordna før fredag: ring kunden og bekreft ny leveringsdato."
    assert not flagged(linter.lint(text), text, "vague-improvement")
