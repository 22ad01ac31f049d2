"""Wordings widened on fresh texts: notes about the person (han/hun, he/she), plans, overcoming."""

from __future__ import annotations

import pytest

from assistant.config import PROJECT_ROOT
from assistant.feedback.lexicon import tokenize
from assistant.feedback.lint import FeedbackLinter
from assistant.feedback.perspective import Perspective
from assistant.feedback.segment import sentence_spans

PARTS = ("problem", "consequence", "improvement", "positive")


@pytest.fixture(scope="module")
def linter() -> FeedbackLinter:
    return FeedbackLinter.from_folder(PROJECT_ROOT / "knowledge" / "feedback", [PROJECT_ROOT / "knowledge"])


def read(text: str, language: str = "no") -> list[str]:
    """The words of a whole text as the lexicon sees them under its perspective."""
    tokens = tokenize(text)
    spans = sentence_spans(text)
    return [t.text for t in Perspective.of(text, tokens, spans).apply(text, tokens, language)]


def test_a_note_reads_pronouns_as_the_person_addressed() -> None:
    assert read("Møte med Trine. Hun har ikke sendt rapporten til henne.") == [
        "møte", "med", "deg", "du", "har", "ikke", "sendt", "rapporten", "til", "deg",
    ]
    words = read("Prep for Monday. He hasn't called the client and his notes are empty.")
    assert words[3:6] == ["you", "haven't", "called"]
    assert "your" in words


def test_a_text_that_speaks_to_the_person_is_left_as_it_is() -> None:
    text = "Du glemte møtet. Hun ventet i en time."
    assert read(text) == [t.text for t in tokenize(text)]


def test_a_pronoun_after_another_name_is_that_person() -> None:
    # "hun" is Karin, not the seller the note is about.
    assert "hun" in read("Fin innsats i dag. Overleveringen ga ekstra arbeid for Karin, og hun er sliten.")
    # a pronoun inside a sentence about someone else makes no note
    assert "han" in read("Hver gang kunden ringer, får han svar samme dag.")


def test_the_heading_name_is_the_person() -> None:
    words = read("Notat før samtalen med Per: tilbudet. Per har lagt inn feil pris per kunde.")
    assert words[-8:] == ["du", "har", "lagt", "inn", "feil", "pris", "per", "kunde"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Notat før 1:1 med Mona: Hun har ikke oppdatert prognosen siden august. Derfor måtte jeg "
            "rette tallene for ledergruppa i siste liten. Hun er ellers svært grundig med kundemøtene. "
            "Hun sender meg prognosen hver torsdag fram til jul.",
            "PCIP",
        ),
        (
            "Prep for Wednesday with Sam: he skipped the pricing sign-off on the Nordvik quote, so "
            "finance had to reissue the invoice. He should send discounts above 10% to me first.",
            "PCI-",
        ),
    ],
)
def test_notes_about_the_person_get_their_parts(linter: FeedbackLinter, text: str, expected: str) -> None:
    result = linter.lint(text)
    assert "".join(p[0].upper() if result.parts[p] else "-" for p in PARTS) == expected


def test_spans_still_point_into_the_original_note(linter: FeedbackLinter) -> None:
    text = "Notat om Ola. Han er en latsabb, og han leverte rapporten for sent."
    result = linter.lint(text)
    labels = [text[f.start : f.end] for f in result.findings if f.rule == "personal-label"]
    assert labels and all("latsabb" in label for label in labels)


@pytest.mark.parametrize(
    ("text", "improvement"),
    [
        ("Du sender meg prognosen innen fredag.", True),
        ("Du tar kontakt med kunden i morgen.", True),
        ("Fra nå av legg du inn møtene samme dag.", True),
        ("Du sendte prognosen for sent i går.", False),
        ("Du sender tilbudene for sent.", False),
        ("Du sender ikke prognosen før fredag.", False),
    ],
)
def test_a_present_tense_plan_with_a_coming_time_is_a_way_forward(
    linter: FeedbackLinter, text: str, improvement: bool
) -> None:
    assert linter.lint(text).parts["improvement"] is improvement


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # The trouble is the backdrop of the praise: overcome, no ask, no criticism after a contrast.
        ("You handled an angry customer with patience and turned her into a renewal. Great shift.", False),
        ("Du fekk kunden attende etter at dei hadde gått til konkurrenten. Det var ei vanskeleg sak, og du "
         "løyste ho godt. Takk!", False),
        ("The demo had everything go wrong, and you still closed the deal. Brilliant work.", False),
        # Criticism after the contrast, or an ask: the problem stands.
        ("Du holdt roen i møtet, men du glemte å sende referatet. Bra jobba ellers.", True),
        ("Du håndterte klagen fint, men tilbudet gikk ut uten pris. Send det på nytt i dag.", True),
    ],
)
def test_a_difficulty_overcome_in_praise_is_no_problem(
    linter: FeedbackLinter, text: str, problem: bool
) -> None:
    assert linter.lint(text).parts["problem"] is problem


@pytest.mark.parametrize(
    ("text", "improvement"),
    [
        ("Før neste møte går du gjennom referatet og tar med prislista.", True),
        ("Neste uke reiser du til Bergen og møter innkjøperen.", True),
        ("I dag kom du for sent til møtet.", False),
        ("Vi avtalte at du ringer minst 20 kunder i uka.", True),
        ("Kunden noterte en annen dato enn den vi avtalte.", False),
        ("Close every other tab before you share your screen.", True),
        ("Radio someone before you step away from the desk.", True),
        ("Lift your close rate by offering the annual plan first.", True),
        ("Call volume dropped last week.", False),
        ("Price was the issue on the Hartley deal.", False),
        ("Clear slides, honest numbers and a calm delivery.", False),
        ("Du glemte møtet igjen. Ikke ok.", False),
        ("Ikke send tilbud uten godkjenning.", True),
        ("La kunden snakke ferdig før du svarer.", True),
        ("Du la på røret midt i samtalen.", False),
        ("Rop på noen fra lageret når køen blir lengre enn tre.", True),
        ("Rapporten skal ligge i mappa fredag kl. 12.", True),
        ("Jeg skal ringe dem i morgen.", False),
        ("Tilbudet skulle vært sendt innen fredag.", False),
        ("Jeg vil be deg ringe innkjøpssjefen i dag.", True),
        ("You send me the list by Friday.", True),
        ("You sent me the list on Friday.", False),
        ("Eg vil ha oversikta på e-post seinast klokka 12 dagen før.", True),
        ("Kontrakten ligger fortsatt usignert hos deg. Få den ut i dag.", True),
        ("btw can u send me the serial no. list by fri", True),
        ("Agreed action: she completes the inspections by 20 November.", True),
    ],
)
def test_ways_forward_said_as_plans_agreements_and_plain_verbs(
    linter: FeedbackLinter, text: str, improvement: bool
) -> None:
    assert linter.lint(text).parts["improvement"] is improvement


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Takk for at du alltid svarer så raskt – tre dager etterpå. Kunden klaget til sjefen.", False),
        ("Takk for at du nesten aldri glemmer noe. Kunden måtte vente i dag, så send en SMS.", True),
        ("Takk for at du alltid stiller opp. Kunden har klaget, la oss se på det sammen.", True),
    ],
)
def test_thanks_for_always_right_before_a_failure_mocks(
    linter: FeedbackLinter, text: str, positive: bool
) -> None:
    assert linter.lint(text).parts["positive"] is positive


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # A result the person owns is no behaviour ("a falling metric treated as a result").
        ("Omsetningen din har falt tre måneder på rad. Kan vi se på det sammen på fredag?", False),
        ("Your win rate is down to 12 % this quarter. Let's review the lost deals on Monday.", False),
        # With what they did, it is.
        ("Omsetningen din har falt fordi du har sluttet å ringe de gamle kundene.", True),
        ("Your pipeline is empty because you stopped prospecting in May.", True),
    ],
)
def test_a_result_the_person_owns_is_no_problem_on_its_own(
    linter: FeedbackLinter, text: str, problem: bool
) -> None:
    assert linter.lint(text).parts["problem"] is problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A heading for the way forward makes the whole sentence the plan.
        ("Notat: Ola har ikke sendt tilbudet. Plan: han sender det i dag og ringer kunden.", "P-I-"),
        ("Planen var å sende tilbudet fredag: det skjedde ikke.", "----"),
        # The name before a note's colon is the person; the heading itself says nothing about them.
        ("Notat Hege: kunden var sur og vil ha pengene tilbake. Hege er ellers den som selger mest.", "-C-P"),
    ],
)
def test_note_headings(linter: FeedbackLinter, text: str, expected: str) -> None:
    result = linter.lint(text)
    assert "".join(p[0].upper() if result.parts[p] else "-" for p in PARTS) == expected


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Intervjuoppsummeringene dine er de ryddigste i teamet.", True),
        ("Du har fått inn fleire burettslag enn nokon andre denne hausten.", True),
        ("Du er en av de flinkeste vi har på telefon.", True),
        ("Du har flest klager av alle i teamet.", False),
        ("Du bruker mer tid enn noen andre på hver kunde, og tallene lider.", False),
    ],
)
def test_comparisons_in_the_persons_favour_are_praise(
    linter: FeedbackLinter, text: str, positive: bool
) -> None:
    assert linter.lint(text).parts["positive"] is positive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Du er aldri redd for å ta den vanskelige telefonen. Kan du ta Vik AS i morgen?", "--IP"),
        ("Du har alltid kontroll på leveransene dine.", "---P"),
        ("Why did you put grey fabric on the order when the spec says charcoal?", "P---"),
        # "anbefalte du" tells what the person did; "jeg anbefaler" proposes
        ("I går anbefalte du fastrente før du hadde gått gjennom økonomien deres.", "P---"),
        ("Strålende, Kim. Nå vil kunden returnere femten stoler.", "-C--"),
    ],
)
def test_wordings_of_the_fourth_batch(linter: FeedbackLinter, text: str, expected: str) -> None:
    result = linter.lint(text)
    assert "".join(p[0].upper() if result.parts[p] else "-" for p in PARTS) == expected


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Hei Oda, takk for møtet. Du har ikke lagt inn de nye kundene.", False),  # courtesy
        ("Takk for i dag, du var knallgod med kunden.", True),
        ("Sykt bra helg, Sara!! 11 vaskemaskiner 🔥", True),
        ("Fint at du fikk tid til en lang lunsj i dag. Tre kunder ventet på svar og én har bestilt "
         "et annet hotell.", False),
        ("Fint at du tok deg tid til å hjelpe Per med tilbudet, det satte han pris på.", True),
        ("Visningen på lørdag var kjempebra, folk ble stående lenge hos deg på brygga.", True),
    ],
)
def test_courtesy_intensifiers_and_praise_for_finding_the_time(
    linter: FeedbackLinter, text: str, positive: bool
) -> None:
    assert linter.lint(text).parts["positive"] is positive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an omission in the present tense, reported through a complaint
        ("Tre kunder har klaget på at du ikke ringer tilbake etter prøvekjøring.", "PC--"),
        # a failure denied with "not once" in between is praise
        ("Du har ikkje ein einaste gong gløymt å ringje kundane. Takk!", "---P"),
        # a failure the praise says was overcome mocks nothing
        ("du hoppa inn på webinaret utan forvarsel og berga heile dagen, tusen takk", "---P"),
    ],
)
def test_wordings_of_the_seventh_and_eighth_batches(linter: FeedbackLinter, text: str, expected: str) -> None:
    result = linter.lint(text)
    assert "".join(p[0].upper() if result.parts[p] else "-" for p in PARTS) == expected


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Takk for innsatsen, du holdt styr på 400 brukere uten en eneste feil i lisensfila.", True),
        ("You hit the press deadline every time, and the print floor loves you for it.", True),
        ("Du er en av rådgiverne kundene oftest spør etter.", True),
        ("Du dro to timer før stengetid og gikk glipp av innkjøperen som spurte etter deg.", False),
        ("Oh brilliant, you've sent yet another quote without the warranty terms.", False),
    ],
)
def test_praise_through_results_and_mock_praise(linter: FeedbackLinter, text: str, positive: bool) -> None:
    assert linter.lint(text).parts["positive"] is positive


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("You've been a huge help with the exhibitor bookings this spring.", True),
        ("Du har båret mye av teamet de siste ukene, og det har jeg lagt merke til.", True),
        ("Kandidatpresentasjonene dine har blitt mye skarpere i vår.", True),
        ("He built that account from nothing and the client relationship is excellent.", True),
        ("Du må bli mye bedre på oppfølging.", False),
    ],
)
def test_praise_through_help_and_growth(linter: FeedbackLinter, text: str, positive: bool) -> None:
    assert linter.lint(text).parts["positive"] is positive


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Hei Lars, håper ferien var fin. Tilbudet gikk ut i euro fordi du brukte feil mal.", False),
        ("thx for covering my 4pm with Telia, owe you one", True),
        ("Du har sendt samme tilbud til Coop to ganger, og nå må jeg forklare det. Flott jobba.", False),
        ("Kunden var sur, men du roet ham ned. Godt jobba.", True),
        ("Takk for at du alltid parkerer på kundeplassene. Det var sikkert veldig koselig for fru Dahl "
         "å gå i regnet.", False),
    ],
)
def test_courtesy_wishes_chat_thanks_and_praise_after_a_failure(
    linter: FeedbackLinter, text: str, positive: bool
) -> None:
    assert linter.lint(text).parts["positive"] is positive


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Sara, du er supergod på å forklare TV-ene uten å bruke fagord, det liker kundene.", True),
        ("Du lukket tre saker denne uka uten å legge ved takstrapporten.", False),
        ("Tusen takk for at du sendte den interne prislista til Ahlsell. Veldig hyggelig av deg.", False),
        ("Elsker hvor godt du tar vare på demobilen. Du leverte den med tom tank, og kunden måtte "
         "vente.", False),
        ("Han sel mykje, det skal han ha.", True),
        ("Rå jobba med kjedeavtalen i dag!! 🔥", True),
    ],
)
def test_praise_of_what_is_avoided_and_mocking_neighbours(
    linter: FeedbackLinter, text: str, positive: bool
) -> None:
    assert linter.lint(text).parts["positive"] is positive
