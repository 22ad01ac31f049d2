"""The feedback lint: parts, style rules, spans, inflections, languages and negative controls."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import ConfigError
from assistant.feedback.lexicon import Lexicon, Pattern, tokenize
from assistant.feedback.lint import FeedbackLinter
from assistant.feedback.models import LintResult

PARTS = ("problem", "consequence", "improvement", "positive")


@pytest.fixture(scope="module")
def linter() -> FeedbackLinter:
    return FeedbackLinter.from_folder(PROJECT_ROOT / "knowledge" / "feedback", [PROJECT_ROOT / "knowledge"])


def code(result: LintResult) -> str:
    """PCIP-style summary of the parts found ("-" for a missing part)."""
    return "".join(p[0].upper() if result.parts[p] else "-" for p in PARTS)


def style(result: LintResult) -> set[str]:
    return {f.rule for f in result.findings if not f.rule.startswith("missing-")}


def flagged(result: LintResult, text: str, rule: str) -> list[str]:
    return [text[f.start : f.end] for f in result.findings if f.rule == rule]


# --- the JSON contract ----------------------------------------------------------------------------


def test_json_contract_has_exactly_the_documented_keys(linter: FeedbackLinter) -> None:
    payload = linter.lint("Du er lat. Du glemmer alltid møtene.").as_json()
    assert set(payload) == {"parts", "findings"}
    assert set(payload["parts"]) == set(PARTS)  # type: ignore[call-overload]
    assert all(isinstance(v, bool) for v in payload["parts"].values())  # type: ignore[attr-defined]
    for finding in payload["findings"]:  # type: ignore[attr-defined]
        assert set(finding) == {"rule", "message", "start", "end", "suggestion"}


def test_complete_feedback_has_all_parts_and_no_findings(linter: FeedbackLinter) -> None:
    text = (
        "Takk for at du tok over kunden i Florø på kort varsel. Men i går sendte du tilbudet uten at "
        "rabatten var godkjent. Det gjorde at vi måtte trekke tilbudet. Neste gang: send rabatter over "
        "10 % til meg før tilbudet går ut."
    )
    result = linter.lint(text)
    assert code(result) == "PCIP"
    assert result.findings == []


def test_missing_parts_are_reported_with_the_empty_span_and_the_guidance(linter: FeedbackLinter) -> None:
    result = linter.lint("Du kom et kvarter for sent til teammøtet i dag.")
    missing = [f for f in result.findings if f.rule.startswith("missing-")]
    assert [f.rule for f in missing] == ["missing-consequence", "missing-improvement", "missing-positive"]
    for finding in missing:
        assert (finding.start, finding.end) == (0, 0)
        assert "Veiledningen" in finding.message and "(Gi tilbakemelding)" in finding.message
        assert finding.suggestion


# --- spans point at the flagged words --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("Du er rett og slett lat, Thomas.", "personal-label", ["lat"]),
        ("Hei. Du er heilt ubrukeleg på oppfølging.", "personal-label", ["ubrukeleg"]),
        ("Dere er late og udugelige, alle sammen.", "personal-label", ["late"]),
        ("Du er en latsabb.", "personal-label", ["latsabb"]),
        ("Slasken glemte møtet.", "personal-label", ["Slasken"]),
        ("Honestly, you're a joke as an account manager.", "personal-label", ["a joke"]),
        ("Du er rett og slett ikke skikket for denne jobben.", "personal-label", ["ikke skikket"]),
        ("Du glemmer ALLTID å føre kjøreboka.", "absolute-language", ["ALLTID"]),
        ("Du kjem heile tida for seint til morgonmøta.", "absolute-language", ["heile tida"]),
        ("Not once this quarter have you logged a call.", "absolute-language", ["Not once"]),
        ("Ikke én eneste gang har du levert i tide.", "absolute-language", ["Ikke én eneste gang"]),
        ("Du kom for sent. Nå får du skjerpe deg.", "vague-improvement", ["skjerpe deg"]),
        ("Tre no-shows. Skjerpings nå, Ola.", "vague-improvement", ["Skjerpings"]),
        ("Kunden ventet. No må du ta deg på tak.", "vague-improvement", ["ta deg på tak"]),
        ("The proposal had a typo. Shape up.", "vague-improvement", ["Shape up"]),
    ],
)
def test_spans_point_at_the_flagged_words(
    linter: FeedbackLinter, text: str, rule: str, words: list[str]
) -> None:
    result = linter.lint(text)
    assert flagged(result, text, rule)[: len(words)] == words


def test_every_style_finding_names_its_words_in_message_and_suggestion(linter: FeedbackLinter) -> None:
    text = "Du er en evig rotekopp, og du glemmer hele tiden å lagre tilbudene. Få orden på sakene dine."
    result = linter.lint(text)
    assert style(result) == {"personal-label", "absolute-language", "vague-improvement"}
    for finding in result.findings:
        if finding.rule.startswith("missing-"):
            continue
        words = text[finding.start : finding.end]
        assert words and f"«{words}»" in finding.message and f"«{words}»" in finding.suggestion


# --- inflections, Nynorsk and English --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Du er så håpløst treig.",
        "Dere er udugelige.",
        "Du er latsabben i gjengen.",
        "Du er så giddalaus, Eirik.",
        "Du er heilt udugeleg.",
        "You're lazy and you know it.",
        "You are completely useless with the CRM.",
        "Du er en skikkelig sluntrer.",
        "Du er en eneste stor skuffelse.",
    ],
)
def test_labels_in_inflected_nynorsk_and_english_forms(linter: FeedbackLinter, text: str) -> None:
    assert "personal-label" in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Du glemmer bestandig å legge inn møtene i CRM.",
        "Du gløymer jamt og trutt å fylle ut reiserekninga.",
        "Hver eneste gang vi har demo, glemmer du å sjekke prosjektoren.",
        "Konstant må jeg minne deg på å oppdatere CRM.",
        "You never bring the signed contracts back on time.",
        "Every single time we have a team meeting you're on your phone.",
        "You're constantly late with the weekly numbers.",
    ],
)
def test_absolutes_in_criticism_in_three_languages(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Du glemte å ringe Solheim. Dette må bli bedre fremover.",
        "Du må virkelig heve nivået til neste gang.",
        "Prøv å vise litt mer engasjement.",
        "Du gløymer reiserekninga. Gjer det betre.",
        "You never return calls. Get your act together.",
        "The report was late. Be more professional.",
        "Du må forbedre deg.",
        "Ting må endres.",
        "Pull your socks up.",
    ],
)
def test_vague_asks(linter: FeedbackLinter, text: str) -> None:
    result = linter.lint(text)
    assert "vague-improvement" in style(result)
    assert result.parts["improvement"]  # a vague ask is still an ask


# --- negative controls -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Du er alltid godt forberedt til møtene, og det merkes på kundene. Fortsett sånn!",
        "Jeg setter pris på at du alltid stiller opp når noen trenger hjelp.",
        "Du har aldri vore betre enn denne månaden. Takk for at du står på!",
        "You never miss a follow-up. Thank you!",
        "Kunden ringer bestandig på fredag ettermiddag, så sørg for at du har telefonen på da.",
        "Our client always pays late, so please chase them from day one.",
        "From now on, start a new email whenever you write to a client, "
        "and never forward an internal thread.",
        "Vi sender aldri tilbud uten godkjenning fra meg.",
        "Tilbudet til Lie AS hadde feil pris igjen. Sjekk prislista neste gang.",
        "Tre ganger denne måneden har du glemt kundemøter.",
    ],
)
def test_no_absolute_in_praise_instructions_others_or_counted_facts(
    linter: FeedbackLinter, text: str
) -> None:
    assert "absolute-language" not in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Presentasjonen din var litt platt i starten, men latteren løste opp stemningen.",
        "Du har tre relaterte møter med Lattmann AS neste uke. Slå dem sammen til ett.",
        "Rapporten var rotete og uferdig.",  # the work product, not the person
        "That proposal was unprofessional in tone.",
        "Du er ikke lat, men rapporten kom en uke for sent.",  # decision: a negated label is not flagged
        "Du er en god selger, og kundene liker deg.",
    ],
)
def test_no_label_for_words_inside_words_products_or_negation(linter: FeedbackLinter, text: str) -> None:
    assert "personal-label" not in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "E-postmalen har et langt avsnitt før prisen. "
        "Skjerp formuleringene: kutt innledningen til to setninger.",
        "Please improve the response time on tickets from 48 to 24 hours by the end of the month.",
        "Ta deg tid til å lese kontrakten før du signerer.",
        "Du må forbedre svartiden fra to dager til én dag innen mars.",
        "Jeg vet du kan løfte deg enda mer, og jeg vil at du leser referatet før hvert møte.",
    ],
)
def test_concrete_asks_are_not_vague(linter: FeedbackLinter, text: str) -> None:
    assert "vague-improvement" not in style(linter.lint(text))


# --- the parts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts", "rules"),
    [
        # an allusion is not a problem; a complaint is a consequence
        (
            "Du er flink med kundene. Men det som skjedde i forrige uke har ført til at vi kanskje mister "
            "Berg & Sønn. Jeg vil at du ringer dem i dag.",
            "-CIP",
            set(),
        ),
        (
            "Takk for at du tok imot dei nye så godt. Vi har diverre fått to klager frå kundar. Eg vil at du "
            "set av kvar morgon til e-post.",
            "-CIP",
            set(),
        ),
        # praise only; "fortsett sånn" is praise, not an ask; a good effect is part of the praise
        ("Du er alltid godt forberedt til møtene, og det merkes på kundene. Fortsett sånn!", "---P", set()),
        ("Gratulerer med rekordmåned! Du solgte for 1,2 millioner.", "---P", set()),
        ("Your demo was sharp and the client loved it. Keep it up!", "---P", set()),
        # general dissatisfaction names no behaviour; a label alone names none
        ("Dette er rett og slett ikke bra nok. Jeg er skuffet over deg.", "----", set()),
        ("Du er en latsabb, og det vet du selv.", "----", {"personal-label"}),
        # sarcasm is not praise; sarcastic "alltid" is sweeping criticism
        (
            "Takk for at du alltid holder oss underholdt – i dag manglet kontrakten side 3.",
            "P---",
            {"absolute-language"},
        ),
        (
            "Så hyggelig at du fant tid til å svare kunden etter bare tre uker. "
            "De har gått til konkurrenten.",
            "PC--",
            set(),
        ),
        ("Great, another missed deadline. Thanks a lot.", "P---", set()),
        ("Du er virkelig et geni – du sendte kontrakten til feil kunde.", "P---", {"personal-label"}),
        ("Du er et geni, Kari! Avtalen med Equinor er i boks.", "---P", set()),
        # requests without a problem, and the benefit of a fix is not a consequence
        ("Kan du sende meg pipeline-tallene før fredag?", "--I-", set()),
        ("Slå sammen de tre møtene til ett, så frigjør du tid til prospektering.", "--I-", set()),
        # consequences without a marker, in three languages
        (
            "Du har ikkje levert timelista for mars. Løna di blir forseinka. Lever ho innan fredag.",
            "PCI-",
            set(),
        ),
        (
            "You showed up unprepared to the Nordex pitch. We lost credibility with their board. Before any "
            "pitch, send me your outline the day before.",
            "PCI-",
            set(),
        ),
        ("The demo crashed because you didn't test the build. We looked like amateurs.", "PC--", set()),
        (
            "Du avbrøt kunden gjentatte ganger. Han følte seg overkjørt og trakk seg fra avtalen.",
            "PC--",
            set(),
        ),
        ("Hvorfor har du ikke sendt tilbudet til Norgesgruppen ennå? De venter.", "PC--", set()),
        # a state "now" after the problem, a third party's reaction, the manager left without numbers
        (
            "You missed the renewal date for Acme. "
            "Their contract lapsed and they're now talking to Salesforce.",
            "PC--",
            set(),
        ),
        ("Du sende tilbodet utan logo. Kunden trudde det var svindel.", "PC--", set()),
        (
            "Du har ikke lagt inn en eneste aktivitet i CRM på to uker. "
            "Jeg har null oversikt over pipelinen din.",
            "PC--",
            set(),
        ),
        # praise and instructions with absolute words
        ("Kundene dine klager aldri. Imponerende!", "---P", set()),
        ("Du er alltid den første som hjelper nye kollegaer.", "---P", set()),
        ("Never promise delivery dates before checking stock.", "--I-", set()),
        ("Du avbryter kundene konstant.", "P---", {"absolute-language"}),
        # chat style
        ("du e så lat altså", "----", {"personal-label"}),
        ("husk møtet kl 14 i morgen", "--I-", set()),
        (
            "hey, you left the client's NDA on the printer in the lobby. pls grab it + lock it away",
            "P-I-",
            set(),
        ),
    ],
)
def test_parts_and_rules_on_fresh_examples(
    linter: FeedbackLinter, text: str, parts: str, rules: set[str]
) -> None:
    result = linter.lint(text)
    assert (code(result), style(result)) == (parts, rules)


def test_short_english_is_linted_as_english(linter: FeedbackLinter) -> None:
    # Norwegian "late" means lazy; in English it is lateness, never a label.
    result = linter.lint("You're late again.")
    assert "personal-label" not in style(result)
    assert linter.lint("Great work on the Volvo pitch, really.").parts["positive"]


def test_language_is_reported(linter: FeedbackLinter) -> None:
    assert linter.lint("Du kom for sent til møtet i dag.").language == "nb"
    assert linter.lint("You were late to the meeting today, and the client had to wait.").language == "en"


# --- the lexicon machinery -------------------------------------------------------------------------


def test_pattern_syntax() -> None:
    def matches(pattern: str, text: str) -> bool:
        tokens = tokenize(text)
        p = Pattern.compile("x", pattern)
        return any(p.match_at(tokens, i) for i in range(len(tokens)))

    assert matches("uten å|without", "du gikk uten å si fra")
    assert matches("fører ... til", "det fører dessverre til at")
    assert not matches("fører ...0 til", "det fører dessverre til at")
    assert matches("udugelig~", "dere er udugelige") and matches("håpløs~", "det er håpløst")
    assert not matches("herlig~", "jeg er her")  # a stem must not shrink to another word
    assert matches("idiot*", "idiotisk") and matches("*idiot", "drittidiot")
    assert matches("bare ...1 #", "bare sendt 2 tilbud")
    assert not matches("lat", "latteren platt relaterte Lattmann")  # whole tokens only


def test_malformed_lexicon_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("positive\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.tsv:1"):
        Lexicon.load(bad)
    bad.write_text("positive\t... bra\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="gap"):
        Lexicon.load(bad)
    bad.write_text("positive\tbra\tde\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="language"):
        Lexicon.load(bad)


def test_lexicons_are_data_files_the_index_never_reads() -> None:
    folder = PROJECT_ROOT / "knowledge" / "feedback"
    assert {p.suffix for p in folder.iterdir()} <= {".tsv", ".json"}


# --- generalisation: mechanisms rather than words (fresh examples, none from the eval set) ---------


def test_inflections_keep_derivations_apart_and_know_english_forms() -> None:
    def matches(pattern: str, text: str, language: str = "*") -> bool:
        tokens = tokenize(text)
        p = Pattern.compile("x", pattern, language)
        return any(p.match_at(tokens, i) for i in range(len(tokens)))

    assert matches("ryddig~", "en ryddige rapport") and not matches("ryddig~", "du ryddet kontoret")
    assert matches("miserabel~", "miserable tall") and matches("umoden~", "umodne svar")
    assert matches("skip~", "you skipped it", "en") and matches("reply~", "she replied", "en")
    assert not matches("skip~", "skippere", "en")


@pytest.mark.parametrize(
    ("text", "flagged_words"),
    [
        ("Kunden kalte deg «arrogant» i telefonen i går.", ["arrogant"]),  # a quoted label still judges
        ("Du er heilt uhjelpeleg med rapportane.", ["uhjelpeleg"]),  # u- + a quality: a label no list has
        ("Du er en skikkelig latmark, Jens.", ["latmark"]),  # a compound on a label word
        ("Du er så lite pålitelig, Morten.", ["lite pålitelig"]),  # praise denied of the person
        ("You're so unhelpful with handovers.", ["unhelpful"]),
    ],
)
def test_labels_found_by_how_they_are_built_and_said(
    linter: FeedbackLinter, text: str, flagged_words: list[str]
) -> None:
    assert flagged(linter.lint(text), text, "personal-label") == flagged_words


@pytest.mark.parametrize(
    "text",
    [
        "Jeg mener slett ikke at du er doven – du har flest samtaler i teamet.",  # a rejected label
        "Nobody here thinks you're careless, and your files prove it.",
        "Det var en lat fredag på kontoret, så takk for at du tok telefonen.",  # about a day
        "Det nye lagersystemet er helt håpløst, så takk for at du holder ut.",  # about a system
        "Du er utrolig flink med kundene.",  # an intensifier built with u-, not a label
        "Du er uvurderlig for teamet.",  # praise built with u-
        "Skrivebordet ditt er fullt av usignerte kontrakter.",  # a participle describes a thing
        "Du var uhøflig mot resepsjonisten i går.",  # a behaviour word at an event: the problem
    ],
)
def test_no_label_when_rejected_about_something_else_or_not_a_label(
    linter: FeedbackLinter, text: str
) -> None:
    assert "personal-label" not in style(linter.lint(text))


def test_a_rejected_label_is_no_label_and_no_praise_on_its_own(linter: FeedbackLinter) -> None:
    # Rows f276/f282: rejecting a label separates person and behaviour, but praises nothing.
    result = linter.lint("Jeg tror ikke et sekund at du er uinteressert. Men referatet kom en uke for sent.")
    assert not result.parts["positive"] and "personal-label" not in style(result)
    # With real praise next to it, the praise still counts ("careless" is not a failure here).
    praised = linter.lint(
        "I don't think you're careless – your renewals have been excellent. But the memo was late."
    )
    assert praised.parts["positive"]


@pytest.mark.parametrize(
    ("text", "parts", "rules"),
    [
        # a concrete event told without "du": lying idle, two times, a late arrival, an unlocked room
        (
            "Prisforslaget til Elkjøp lå i utboksen din i ti dager. "
            "De kjøpte fra en konkurrent i mellomtiden.",
            "PC--",
            set(),
        ),
        ("Forespørselen fra Lyse kom mandag og ble besvart fredag.", "P---", set()),
        ("The Graham order sat unprocessed over the long weekend.", "P---", set()),
        ("Demobilen sto ulåst utenfor kontoret hele natta. Nå mangler den ene maskinen.", "PC--", set()),
        # consequences from how clauses are joined, and "det" pointing back at the problem
        ("Tre kunder ringte meg i dag fordi du ikke hadde svart på e-post siden fredag.", "PC--", set()),
        ("Du glemte å sende invitasjonen, så bare fire kunder meldte seg på.", "PC--", set()),
        ("Du priser tilleggstjenestene for lavt, og det spiser av marginen for regionen.", "PC--", set()),
        ("You forgot the contract draft. Finance booked the revenue in the wrong quarter.", "PC--", set()),
        # sarcasm: bare praise before a failure; praise next to a sarcastic label
        ("Imponerende, Geir. Tre uker uten å åpne CRM.", "P---", set()),
        (
            "Brilliant idea, promising free installation to every lead. What a hero. "
            "Now twelve customers expect it for free.",
            "PC--",
            {"personal-label"},
        ),
        # praise of someone else is not praise for the recipient
        (
            "Petra har levert alle timelistene i tide – sånn vil jeg ha det. Du har ikke levert for februar.",
            "P---",
            set(),
        ),
        ("You've handled the Norden account brilliantly so far.", "---P", set()),
        # asks with verbs no list has: by a deadline, before an object pronoun, after "så"
        ("Last opp de sju kontraktene innen fredag kl. 12.", "--I-", set()),
        ("Rename them using the client ID this week.", "--I-", set()),
        ("Kunden betaler alltid sent, så purr allerede dagen etter forfall.", "--I-", set()),
        ("Kari leverte rapporten innen fredag.", "----", set()),
        # absolutes: a fronted habit is criticism; a routine and praise are not
        ("Hver gang vi skal på kundebesøk, kommer du uten brosjyrer.", "P---", {"absolute-language"}),
        ("Du priser konsekvent for lavt.", "P---", {"absolute-language"}),
        ("Hver fredag kl. 14 går vi gjennom pipelinen. Ta med de tre største mulighetene.", "--I-", set()),
        # vague asks built on generic verbs; the same verb with a how is concrete
        ("Rapporten hadde fire regnefeil. Gjør det skikkelig neste gang.", "P-I-", {"vague-improvement"}),
        # (a result the person owns, "salgstallene dine", names no behaviour: no problem)
        ("Salgstallene dine er de laveste i teamet. Få fart på sakene.", "--I-", {"vague-improvement"}),
        ("Du snakket hele møtet. Bli en bedre lytter.", "P-I-", {"vague-improvement"}),
        (
            "Salgstallene dine er de laveste i teamet. Få fart på salget ved å ringe ti kunder hver morgen.",
            "--I-",
            set(),
        ),
    ],
)
def test_generalising_mechanisms(linter: FeedbackLinter, text: str, parts: str, rules: set[str]) -> None:
    result = linter.lint(text)
    assert (code(result), style(result)) == (parts, rules)


# --- the issue's own examples, and a label as a second predicate of "du er" ------------------------


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("Du er alltid for sen og helt udugelig.", "personal-label", "udugelig"),
        ("Du er ofte sen med rapportene og rett og slett doven.", "personal-label", "doven"),
        ("You are late with every report and frankly useless.", "personal-label", "useless"),
        ("Du har bestandig glemt oppfølgingen.", "absolute-language", "bestandig"),
        ("Du har ikke én eneste gang levert i tide.", "absolute-language", "ikke én eneste gang"),
        ("Du må forbedre deg.", "vague-improvement", "forbedre deg"),
    ],
)
def test_the_issue_examples_are_flagged(linter: FeedbackLinter, text: str, rule: str, words: str) -> None:
    assert any(words in w for w in flagged(linter.lint(text), text, rule)), linter.lint(text).findings


def test_a_coordinated_praise_is_no_label(linter: FeedbackLinter) -> None:
    text = "Du er alltid godt forberedt og veldig grundig."
    assert "personal-label" not in style(linter.lint(text))


# -- consequences across phrasings, and what is not one -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Du har ikke ringt tilbake til Berg. Dette kan ende med at de går til en annen leverandør.",
        "Du glemte vareprøvene, og hos Nordlys endte det med et nei.",
        "Du har ikkje levert køyrebøkene. Eg har hatt rekneskapen på nakken to gonger på grunn av det.",
        "Du sendte tilbudet uten frakt, og kunden kalte deg «uryddig» etterpå.",
        "You sent the proposal without the pricing appendix, which delayed the approval by a week.",
        "You interrupted the buyer three times. She ended the call early.",
        "Du avlyste demoen i siste liten. Kunden var rasende.",
        "Du sendte fakturaen uten ordrenummer, og kunden har returnert den.",
    ],
)
def test_consequences_in_many_phrasings(linter: FeedbackLinter, text: str) -> None:
    assert linter.lint(text).parts["consequence"]


@pytest.mark.parametrize(
    "text",
    [
        # a good effect inside praise-only text is part of the praise
        "Du svarer alltid på henvendelser samme dag, og det er derfor Coop ba om deg igjen. Takk!",
        # the benefit of a proposed fix, said as a condition
        "Hvis du leser ordrehistorikken før du ringer, blir samtalene kortere og bedre.",
        "If you prepare the agenda the day before, the meetings will be shorter.",
    ],
)
def test_good_effects_and_benefits_are_no_consequence(linter: FeedbackLinter, text: str) -> None:
    result = linter.lint(text)
    assert not result.parts["consequence"] and not result.parts["problem"]
    assert "absolute-language" not in style(result)


def test_a_condition_with_a_benefit_proposes_a_way_forward(linter: FeedbackLinter) -> None:
    proposal = linter.lint("Hvis du leser ordrehistorikken før du ringer, blir samtalene kortere.")
    assert proposal.parts["improvement"]
    assert not linter.lint("Hvis du fortsetter sånn, mister vi kunden.").parts["improvement"]


def test_a_subject_after_a_fronted_adverb_is_someone_else(linter: FeedbackLinter) -> None:
    result = linter.lint("Leverandøren har sagt opp avtalen, og nå står vi uten lager i Bodø.")
    assert not result.parts["problem"] and result.parts["consequence"]


def test_a_judged_act_is_the_problem_and_a_state_verdict_is_not(linter: FeedbackLinter) -> None:
    assert linter.lint("Du sendte kontrakten tre dager etter at fristen hadde gått ut.").parts["problem"]
    assert linter.lint("Det var dårlig gjort å flytte kundemøtet uten å si fra.").parts["problem"]
    assert not linter.lint("Tallene dine for mars er ikke gode nok.").parts["problem"]
    assert not linter.lint("Your forecast looks weak this quarter.").parts["problem"]
    assert not linter.lint("Det er aldri for sent å ta et kurs i forhandling.").parts["problem"]


# -- courtesy, names, sentence ends ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Kan du sende meg referatet innen kl. 14 i dag, takk.",
        "could you update the deal stage in the CRM before noon? thanks!",
    ],
)
def test_a_bare_thanks_after_an_ask_is_courtesy(linter: FeedbackLinter, text: str) -> None:
    result = linter.lint(text)
    assert result.parts["improvement"] and not result.parts["positive"]


def test_thanks_for_something_done_stays_praise(linter: FeedbackLinter) -> None:
    result = linter.lint("Send meg tallene i morgen. Takk for at du tok kundemøtet for meg i går!")
    assert result.parts["positive"]


def test_a_capitalised_name_mid_sentence_is_no_imperative(linter: FeedbackLinter) -> None:
    result = linter.lint("Du holdt alle fristene i høst, og Lag Bygg AS sendte meg en takk for det.")
    assert not result.parts["improvement"] and not result.parts["problem"]


def test_abbreviations_and_ordinals_end_no_sentence() -> None:
    from assistant.feedback.segment import sentence_spans

    text = "Møtet er flyttet til 4. mars kl. 10 hos f.eks. Telenor. Ta med tallene."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Møtet er flyttet til 4. mars kl. 10 hos f.eks. Telenor.", "Ta med tallene."
    ]


# -- absolute language: hedges, nicknames --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Du har nesten aldri med deg agenda til kundemøtene.",
        "You hardly ever log your calls on the same day.",
        "Du er ikke alltid like godt forberedt til demoene.",
    ],
)
def test_a_hedged_sweeping_word_is_not_absolute(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" not in style(linter.lint(text))


def test_without_fail_in_criticism_is_absolute(linter: FeedbackLinter) -> None:
    result = linter.lint("Without fail, your expense reports arrive after the cut-off.")
    assert "absolute-language" in style(result)


def test_a_mocking_nickname_is_a_sarcastic_label(linter: FeedbackLinter) -> None:
    result = linter.lint("Good call, Sherlock. You sent the renewal to the wrong address.")
    assert "personal-label" in style(result) and not result.parts["positive"]


# -- absolute language: the manager's own habits, denied failures, reproaching questions ----------


@pytest.mark.parametrize(
    "text",
    [
        "Jeg har alltid døra åpen for deg når du står fast med et tilbud.",
        "Eg les alltid gjennom utkasta dine før dei går ut.",
        "I always make time for you on Thursdays, Sam.",
        "We never share your pipeline numbers outside the team.",
    ],
)
def test_the_managers_own_habit_is_not_absolute(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" not in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Jeg har aldri hørt deg avslutte en samtale med en konkret avtale.",
        "I have never seen you finish a call with a booked next step.",
        "Hver eneste gang jeg ber om timelistene, får jeg dem etter fristen.",
    ],
)
def test_the_managers_view_of_the_persons_failure_is_absolute(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Du glemmer aldri å sende referatet etter kundemøtene.",
        "You never miss a renewal date, Priya.",
    ],
)
def test_never_before_a_failure_word_is_praise_not_absolute(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" not in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Hvorfor må du alltid avbryte kunden midt i demoen?",
        "Why do you always have to discount before the buyer even asks?",
        "Må du alltid komme ti minutter for sent til fredagsmøtet?",
    ],
)
def test_a_reproaching_question_is_absolute(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Sender du alltid tilbudet på e-post, eller leverer du det noen ganger på papir?",
        "Kan du alltid sende agendaen dagen før kundemøtet?",
    ],
)
def test_a_genuine_question_or_request_is_not_absolute(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" not in style(linter.lint(text))


# --- failures the person rarely makes or turned around are praise ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a hedged "rarely" before a failure word acknowledges; the surprise turns to the criticism
        ("Du sender nesten aldri tilbud med feil, Stian, så jeg ble overrasket da du sendte "
         "prislisten fra i fjor til Rema i går. De bestilte på gamle priser. "
         "Sjekk prislisten i CRM før du sender.", "PCIP"),
        ("You rarely miss a follow-up, Tom, so I was surprised you skipped the call with Acme yesterday. "
         "They signed with a competitor. Put the calls in your calendar from now on.", "PCIP"),
        ("Det er sjelden eg ser feil i rapportane dine, Kari. Takk!", "---P"),
        # a failure turned around is a good outcome
        ("Du har snudd mange misfornøyde kunder i år, Per. Bra jobba!", "---P"),
        ("You turned around three unhappy accounts this quarter, Lisa. Thank you.", "---P"),
        # an explanation the person gave holds no reproach
        ("Du forklarte kunden hvorfor vi ikke kan levere før mars, og hun var fornøyd med svaret. "
         "Godt gjort.", "---P"),
    ],
)
def test_a_failure_rarely_made_or_turned_around_is_praise(
    linter: FeedbackLinter, text: str, expected: str
) -> None:
    result = linter.lint(text)
    assert code(result) == expected
    assert "absolute-language" not in style(result)


def test_someone_elses_failure_word_makes_no_sarcasm(linter: FeedbackLinter) -> None:
    text = ("Du mister aldri oversikten, selv når kundene avbryter deg. "
            "Kan du vise de nye hvordan du planlegger uka på mandag?")
    result = linter.lint(text)
    assert result.parts["positive"] and result.parts["improvement"]
    assert "absolute-language" not in style(result)


@pytest.mark.parametrize(
    "text",
    [
        "Du kom for sent i dag. Sørg for at det ikke skjer igjen.",
        "You sent the quote to the wrong contact. Make sure that never happens again.",
    ],
)
def test_an_ask_that_looks_ahead_keeps_the_problem(linter: FeedbackLinter, text: str) -> None:
    assert linter.lint(text).parts["problem"]


# --- denied failures, faults that are not the person's, open omissions -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Du har ikke glemt en eneste kundeoppfølging i høst. Fortsett sånn!",
        "Ingen av rapportene dine hadde feil i april.",
        "Det mangler ikke en eneste signatur i kontraktene dine.",
        "None of your invoices had errors this quarter.",
    ],
)
def test_a_denied_failure_is_praise_not_a_problem(linter: FeedbackLinter, text: str) -> None:
    assert code(linter.lint(text)) == "---P"


@pytest.mark.parametrize(
    "text",
    [
        "Det var jeg som ga deg feil prisliste, det er min feil.",
        "Beklager at du fikk skylda for den feilen fra lageret.",
        "The wrong brochure was my mistake, not yours. Sorry for the trouble it caused you.",
    ],
)
def test_a_fault_the_manager_owns_or_clears_is_no_problem(linter: FeedbackLinter, text: str) -> None:
    assert code(linter.lint(text)) == "----"


@pytest.mark.parametrize(
    "text",
    [
        "Leverandøren sendte feil deler, og nå står det to kasser med feil skruer hos kunden.",
        "The supplier has asked us not to send you their samples again.",
    ],
)
def test_someone_elses_doing_and_its_sequel_is_no_problem(linter: FeedbackLinter, text: str) -> None:
    assert not linter.lint(text).parts["problem"]


@pytest.mark.parametrize(
    "text",
    [
        "Fakturaen til Berg Bygg har ikke gått ut ennå. Kan du sende den i dag?",
        "Why wasn't the order entered before you confirmed it?",
    ],
)
def test_an_open_omission_or_a_why_question_names_the_problem(linter: FeedbackLinter, text: str) -> None:
    assert linter.lint(text).parts["problem"]


def test_the_purpose_of_an_ask_is_no_consequence(linter: FeedbackLinter) -> None:
    assert code(linter.lint("Can you send me the figures before noon, so I can check them?")) == "--I-"


@pytest.mark.parametrize(
    "text",
    [
        "Vi setter oss ned og går gjennom kundelista på torsdag.",
        "Neste kundemøte forbereder vi sammen.",
        "Tomorrow we sit down and go through the renewal list.",
        "We're going to go through the pipeline together on Friday.",
    ],
)
def test_a_joint_plan_for_a_coming_time_is_a_way_forward(linter: FeedbackLinter, text: str) -> None:
    assert code(linter.lint(text)) == "--I-"


@pytest.mark.parametrize(
    "text",
    [
        "Vi tar en prat om tallene hver fredag.",  # a routine
        "I går tok vi en prat om tallene.",  # what happened
        "Kunden vil gjerne ha en ny demo.",  # someone else's wish
        "Ærlig talt, dette holder ikke.",  # an opener, not a verb told to anyone
        "Rett og slett ikke bra nok.",
    ],
)
def test_a_routine_a_report_or_an_opener_is_no_improvement(linter: FeedbackLinter, text: str) -> None:
    assert not linter.lint(text).parts["improvement"]


@pytest.mark.parametrize(
    "text",
    [
        "Markedet for kontormøbler har stupt, og flere av kundene dine har utsatt innkjøpene.",
        "Shipping costs have doubled this year, and several of your buyers have paused orders.",
        "Eg er ikkje nøgd med korleis ting går.",
    ],
)
def test_an_outside_cause_or_own_dissatisfaction_is_no_consequence(linter: FeedbackLinter, text: str) -> None:
    assert not linter.lint(text).parts["consequence"]


@pytest.mark.parametrize(
    "text",
    [
        "Du glemte å ringe kunden, så vi kan miste avtalen.",
        "Markedet er tøft, men du ringte ikke kunden tilbake, og vi mistet ordren.",
        "Det som skjedde i forrige uke førte til at vi mistet kunden.",
    ],
)
def test_a_risk_or_an_effect_after_the_person_is_a_consequence(linter: FeedbackLinter, text: str) -> None:
    result = linter.lint(text)
    assert result.parts["consequence"] and not result.parts["improvement"]


@pytest.mark.parametrize(
    ("text", "flagged_words"),
    [
        ("Møtet med Coop gikk dårlig. Du må være mer tydelig.", ["være mer tydelig"]),
        ("Tilbudet kom sent. Vær meir proaktiv framover.", ["Vær meir proaktiv"]),
        ("The pitch ran long. You need to be more concise, please.", ["be more concise"]),
        ("Rapporten manglet tall. Du må bli kjappere.", ["bli kjappere"]),
    ],
)
def test_vague_asks_recognised_by_their_shape(
    linter: FeedbackLinter, text: str, flagged_words: list[str]
) -> None:
    # "be/vær mer <one word>" at the end of its clause: no object, time or how says what to do.
    result = linter.lint(text)
    assert flagged(result, text, "vague-improvement") == flagged_words
    assert result.parts["improvement"]


@pytest.mark.parametrize(
    "text",
    [
        "The pitch ran long. Be more concise by cutting the intro to two slides.",
        "Tilbudet kom sent. Vær mer synlig i kanalen #salg hver fredag.",
    ],
)
def test_shaped_asks_with_a_concrete_how_are_not_vague(linter: FeedbackLinter, text: str) -> None:
    assert "vague-improvement" not in style(linter.lint(text))


def test_a_trailing_sweeping_phrase_qualifies_the_clause_before(linter: FeedbackLinter) -> None:
    text = "Du sender tilbud uten å sjekke lageret, uten unntak."
    assert flagged(linter.lint(text), text, "absolute-language") == ["uten unntak"]


def test_a_trailing_sweeping_phrase_in_a_habit_to_keep_is_no_verdict(linter: FeedbackLinter) -> None:
    text = "Du svarer i chatten innen ti minutter, uten unntak. Fortsett med det!"
    assert "absolute-language" not in style(linter.lint(text))


@pytest.mark.parametrize(
    "text",
    [
        "Nobody thinks you're a slacker, Tom, but the desk was empty for an hour.",
        "Ingen mener at du er en dovenpeis, men listen ble ikke ringt.",
    ],
)
def test_a_rejected_label_noun_is_no_label(linter: FeedbackLinter, text: str) -> None:
    assert "personal-label" not in style(linter.lint(text))


@pytest.mark.parametrize(
    ("text", "flagged_words"),
    [
        ("Du er en ren amatør når det gjelder tilbud.", ["amatør"]),
        ("Hun oppfører seg som en primadonna i teamet.", ["primadonna"]),
        ("Du er alltid like sendrektig med rapportene.", ["sendrektig"]),
    ],
)
def test_broadened_labels(linter: FeedbackLinter, text: str, flagged_words: list[str]) -> None:
    assert flagged(linter.lint(text), text, "personal-label") == flagged_words


def test_a_note_about_a_named_person_can_be_sweeping(linter: FeedbackLinter) -> None:
    text = "Martin er konstant for sent ute til møtene, og kundene venter."
    assert flagged(linter.lint(text), text, "absolute-language") == ["konstant"]
    # A text that speaks to "du" about a colleague names someone else's habit.
    other = "Arne på lageret er alltid travel i månedsslutt. Du tok det rolig, bra jobba."
    assert "absolute-language" not in style(linter.lint(other))


@pytest.mark.parametrize(
    "text",
    [
        # one past event said with "never" (= did not)
        "Du ringte aldri kunden tilbake i går, så han kjøpte hos konkurrenten. Ring ham i dag.",
        "You never sent the contract yesterday, so the client signed elsewhere. Send it today.",
        # a fault or failure denied is praise, also when the analysis reads sarcasm into it
        "You are never afraid to make the hard call. Can you coach Sam on Friday?",
        "Du har aldri bommet på en frist i år, og kampanjen gikk ut uten en eneste feil. Tusen takk!",
        # a good habit kept up; customers as the subject; a condition followed by no failure
        "You're always on top of your deliveries. Can you bring the form next week?",
        "Du glemte møtet med Hansen. Kundene spør alltid etter deg når de ringer, så de merket det.",
        "Hver gang du holder demo, får vi nye leads. Kjempebra!",
        # a trailing "every time" belongs to the instruction before it
        "Jeg vil be deg sjekke førerkortet før nøkkelen gis ut, hver gang.",
    ],
)
def test_sweeping_words_that_are_no_verdict_on_the_person(linter: FeedbackLinter, text: str) -> None:
    assert "absolute-language" not in style(linter.lint(text))


@pytest.mark.parametrize(
    ("text", "flagged_words"),
    [
        ("Du sendte aldri noe tilbud i hele mars.", ["aldri"]),
        ("You never call the customers back.", ["never"]),
        ("Hver gang du har demo, glemmer du å sende oppfølgingen.", ["Hver gang"]),
        ("Kundene må alltid vente på deg.", ["alltid"]),
    ],
)
def test_sweeping_verdicts_stay_flagged(linter: FeedbackLinter, text: str, flagged_words: list[str]) -> None:
    assert flagged(linter.lint(text), text, "absolute-language") == flagged_words


@pytest.mark.parametrize(
    ("text", "flagged_words"),
    [
        ("You missed the follow-up again. It's time to step up.", ["step up"]),
        ("You forgot the follow-up. What I need is for you to show more ownership.", ["show more ownership"]),
        ("Du glemte oppfølgingen. Jeg trenger at du skjerper deg.", ["skjerper deg"]),
        ("Du glemte oppfølgingen. Eg treng at du gjev meir av deg sjølv.", ["gjev meir av deg sjølv"]),
        ("Du glemte oppfølgingen. Litt mer innsats nå, takk.", ["Litt mer innsats"]),
        ("You forgot the follow-up. A bit more urgency, please.", ["A bit more urgency"]),
        ("Du glemte oppfølgingen. Jobb med holdningen din.", ["Jobb med"]),
        ("You forgot the follow-up. Work on your attitude.", ["Work on"]),
        ("You forgot the follow-up. I need you to bring your A-game.", ["bring your A-game"]),
    ],
)
def test_vague_asks_in_new_shapes(linter: FeedbackLinter, text: str, flagged_words: list[str]) -> None:
    assert flagged(linter.lint(text), text, "vague-improvement") == flagged_words


@pytest.mark.parametrize(
    "text",
    [
        "Du glemte oppfølgingen. Ta tak i oppfølgingen din ved å sette av fredag kl 9 til det.",
        "You forgot the follow-up. I need you to call Hansen before noon.",
        "Mer trøkk i salget ga gode resultater i mars, takket være deg.",
    ],
)
def test_new_vague_shapes_with_a_concrete_how_are_not_vague(linter: FeedbackLinter, text: str) -> None:
    assert "vague-improvement" not in style(linter.lint(text))


def test_mock_compound_genius_and_old_friend_labels(linter: FeedbackLinter) -> None:
    text = "For et salgsgeni du er. Du sendte tilbudet til feil kunde."
    assert flagged(linter.lint(text), text, "personal-label") == ["For et salgsgeni"]
    text = "Haha, din gamle sløvert! Du glemte møtet."
    assert flagged(linter.lint(text), text, "personal-label") == ["sløvert"]
