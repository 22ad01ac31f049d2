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


def test_stemming_is_safe_from_many_threads() -> None:
    # The web app answers on worker threads; one shared Snowball stemmer raised IndexError under load.
    import sys
    import threading

    from assistant.text import stem

    errors: list[str] = []

    def worker(n: int) -> None:
        try:
            for i in range(2000):  # words never seen before, so stem's cache does not hide the stemmer
                stem(f"tilbakemelding{n}x{i}ene")
        except Exception as exc:
            errors.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[:3]


def test_sentences_do_not_end_inside_dates_and_abbreviations() -> None:
    from assistant.text import split_sentences

    text = "Frist innen 1. mars. Møtet er kl. 15 i dag. Vi sa f.eks. Telenor. Neste setning."
    assert split_sentences(text) == [
        "Frist innen 1. mars.", "Møtet er kl. 15 i dag.", "Vi sa f.eks. Telenor.", "Neste setning."
    ]
