from assistant.text import content_terms, guess_language, slugify, split_sentences


def test_guess_language_tells_bokmal_nynorsk_and_english() -> None:
    assert guess_language("Hvordan gir jeg god tilbakemelding til selgerne?") == "nb"
    assert guess_language("Korleis gir eg god tilbakemelding til seljarane?") == "nn"
    assert guess_language("How do I give feedback to my team?") == "en"
    assert guess_language("12345") == "und"


def test_split_sentences_keeps_text_verbatim() -> None:
    text = "De fleste sliter med å nå 80 %-målet. En god leder motiverer dem. Hva nå?"
    assert split_sentences(text) == [
        "De fleste sliter med å nå 80 %-målet.",
        "En god leder motiverer dem.",
        "Hva nå?",
    ]


def test_content_terms_stem_and_drop_function_words() -> None:
    assert content_terms("Tilbakemeldinger til selgere") == ["tilbakemelding", "selger"]


def test_slugify_folds_norwegian_letters() -> None:
    assert slugify("Målrettede løsninger") == "malrettede-losninger"
    assert slugify("Ukentlige en-til-en møter") == "ukentlige-en-til-en-moter"
    assert slugify("???") == "seksjon"
