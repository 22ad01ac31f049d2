from pathlib import Path

from assistant.ingest.chunking import chunk_document, clean_title
from assistant.ingest.loading import LoadedDocument


def _doc(text: str, name: str = "notat.md") -> LoadedDocument:
    return LoadedDocument(path=Path("/docs") / name, source=name, text=text)


MD = """# Håndbok

Innledende avsnitt om hvordan vi jobber med salg i teamet.

## Oppfølging

Vi følger opp hver selger hver uke med en samtale.

Label

Andre avsnitt om oppfølging som handler om mål og resultater.

## Ofte stilte spørsmål

### Hvor ofte bør vi ha møter?

• Hver uke, og alltid før en stor kundeavtale.

### Hvem setter målene? {#faq/mal}

Salgslederen setter målene sammen med selgeren.
"""


def test_faq_question_and_answer_form_one_chunk() -> None:
    chunks = chunk_document(_doc(MD))
    faq = [c for c in chunks if c.kind == "faq"]
    assert [c.section for c in faq] == ["Hvor ofte bør vi ha møter?", "Hvem setter målene?"]
    assert faq[0].body == "Hver uke, og alltid før en stor kundeavtale."  # bullet marker dropped
    assert faq[0].context == "Hvor ofte bør vi ha møter?"
    assert "Hvor ofte bør vi ha møter?" in faq[0].text_for_search
    assert faq[1].section_key == "faq/mal"  # explicit key wins


def test_section_keys_follow_the_heading_path_and_title_is_context() -> None:
    chunks = chunk_document(_doc(MD))
    keys = [c.section_key for c in chunks]
    assert keys[0] == "notat"  # text before the first section heading
    assert "oppfolging" in keys
    assert "ofte-stilte-sporsmal/hvor-ofte-bor-vi-ha-moter" in keys
    follow = next(c for c in chunks if c.section_key == "oppfolging")
    assert follow.context == "Håndbok › Oppfølging"
    assert follow.kind == "guidance" and follow.language == "nb"


def test_stray_one_word_paragraphs_are_dropped() -> None:
    follow = next(c for c in chunk_document(_doc(MD)) if c.section_key == "oppfolging")
    assert "Label" not in follow.body
    assert "Andre avsnitt" in follow.body


def test_paragraphs_pack_up_to_max_chars_and_long_ones_split_on_sentences() -> None:
    long_paragraph = " ".join(f"Setning nummer {i} handler om salg og ledelse i praksis." for i in range(20))
    text = f"## Del\n\n{long_paragraph}\n\nKort avsnitt her.\n\nEnda et kort avsnitt."
    chunks = chunk_document(_doc(text), max_chars=300)
    assert all(len(c.body) <= 300 for c in chunks)
    assert " ".join(c.body.replace("\n\n", " ") for c in chunks) == " ".join(
        [long_paragraph, "Kort avsnitt her.", "Enda et kort avsnitt."]
    )


def test_ids_are_content_hashes() -> None:
    first = chunk_document(_doc(MD))
    again = chunk_document(_doc(MD))
    changed = chunk_document(_doc(MD.replace("hver uke med", "annenhver uke med")))
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first} - {c.id for c in changed}) == 1


def test_clean_title() -> None:
    assert clean_title("1. Salgsledelse. Gi tilbakemelding:") == "Salgsledelse. Gi tilbakemelding"
