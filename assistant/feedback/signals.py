"""Structural signals over one analysed sentence, shared by the part analysis and the style rules.

Each function reads the cue hits of a :class:`~assistant.feedback.segment.Sentence` and answers one
question the word lists alone cannot: is a label said of the person or rejected, when did an
event happen, does a clause open with an action word or with a verb told to do something by a
deadline. Every word list stays data in ``knowledge/feedback/*.tsv``.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.feedback.lexicon import Hit
from assistant.feedback.segment import Clause, Sentence

#: Most filler words allowed between "du er" and a label ("du er rett og slett lat").
MAX_FILLERS = 4
#: How far before "du er" a negation may stand and still reject the label ("jeg mener ikke at du er").
_REJECT_REACH = 4
# Words ending in -ing that are nouns, not an action ("a meeting", "this morning").
_ING_NOUNS = frozenset({
    "thing", "something", "nothing", "anything", "everything", "morning", "evening", "meeting",
    "during", "bring", "king", "ring", "spring", "string", "wing", "ceiling", "building", "pricing",
    "feeling", "briefing", "wedding", "ding", "sibling", "darling",
})
# Endings of a past tense or a participle: after a first word they show that word is a subject.
_PAST_ENDINGS = ("te", "de", "et", "dde", "ed")
# Endings of a present tense (Norwegian).
_PRESENT_ENDINGS = ("er", "ar")
# Endings of a definite or derived noun: a clause that opens with one opens with its subject.
_NOUN_ENDINGS = ("en", "et", "ene", "ane", "ar", "ers", "'s", "ing", "sjon", "het", "else", "skap")
# Words that lead an instruction after a statement ("…, så purr dagen etter forfall").
_RESULT_LEADS = frozenset({"så", "da"})
# Object pronouns: a word before one of them is a verb ("Rename them", "Pakk den").
_OBJECT_PRONOUNS = frozenset({
    "them", "it", "me", "us", "him", "her", "these", "those", "dem", "dei", "den", "meg", "oss", "ham",
    "henne", "dykk", "someone", "somebody", "noen", "nokon", "everyone", "alle",
})
# Cues whose words are not verbs told to someone when they open a clause.
_KNOWN = (
    "not_verb", "not_imperative", "third_person", "second", "second_possessive", "finite", "negator",
    "absolute", "time_point", "concrete", "positive", "problem", "label", "label_noun", "sarcastic_label",
    "courtesy", "contrast", "subordinate", "cons_marker", "anaphor", "judgement", "own_feeling",
    "sarcasm", "now_marker", "lead_in", "clause_break", "keep_going", "report_verb", "ability",
    "dispatch", "person_copula", "characterisation", "label_domain", "stake", "filler",
)
# "ikke bare flink", "not just good": more praise, not a denial.
_NOT_ONLY = frozenset({"bare", "berre", "kun", "only", "just", "simply"})
# Cues of function words: never a verb, whatever follows.
_FUNCTION = (
    "not_verb", "not_imperative", "third_person", "second", "second_possessive", "finite", "negator",
    "lead_in", "clause_break", "contrast", "subordinate", "anaphor", "courtesy", "time_point",
    "concrete", "absolute", "person_copula", "characterisation", "label_domain", "filler", "keep_going",
)
# Cues that, as the second word, show the first word is a subject or a finite verb ("Kari har",
# "så ser jeg", "sa at …").
_SUBJECT_SIGNS = (
    "finite", "second", "third_person", "clause_break", "contrast", "subordinate", "label_domain", "negator",
)


@dataclass(frozen=True)
class Labels:
    """The labels of a sentence that are about a person.

    Attributes:
        said: Labels put on the person ("du er lat", "kunden kalte deg «arrogant»", "latsabb").
        rejected: Labels the text denies ("jeg mener ikke at du er lat", "nobody thinks you're
            lazy", "du er ikke lat"): no verdict, and a word in the person's favour.
    """

    said: list[Hit]
    rejected: list[Hit]


def person_labels(sentence: Sentence) -> Labels:
    """Find the labels said of a person and those the sentence rejects.

    A rejected fault word counts as well as a rejected label: "jeg tror ikke at du er uinteressert"
    is as much in the person's favour as "jeg mener ikke at du er lat".
    """
    hits = sentence.hits
    rejected: list[Hit] = []
    fillers = {i for h in hits["filler"] for i in range(h.first, h.last + 1)}
    negators = {i for h in hits["negator"] for i in range(h.first, h.last + 1)}
    # A label noun counts wherever it stands ("Slasken glemte møtet"), unless the sentence rejects
    # it of the person: "ingen mener at du er en dovenpeis", "nobody thinks you're a slacker".
    nouns = [h for h in hits["label_noun"] if not _rejected_after_copula(sentence, h, fillers, negators)]
    rejected += [h for h in hits["label_noun"] if h not in nouns]
    said = nouns + list(hits["sarcastic_label"])
    faults = [h for h in hits["problem"] if h.first == h.last]  # "uinteressert", "careless"
    labels = {id(h) for h in hits["label"] + hits["antonym"]}
    for label in sorted(hits["label"] + hits["antonym"] + faults, key=lambda h: h.first):
        if any(n.first <= label.first <= n.last for n in said):
            continue
        if id(label) not in labels and any(o.first <= label.first <= o.last for o in hits["label"]):
            continue
        for copula in hits["person_copula"]:
            between = set(range(copula.last + 1, label.first))
            if copula.last >= label.first:
                continue
            # "du er alltid for sen og helt udugelig": the label is a second predicate of the same
            # copula; what counts is the stretch after the last "og"/"and".
            between = _after_coordination(sentence, between)
            if len(between) > MAX_FILLERS + 1:
                continue
            others = between - fillers
            if not others and len(between) <= MAX_FILLERS:
                before = range(max(copula.first - _REJECT_REACH, 0), copula.first)
                same_clause = sentence.clause_of(copula.first)
                denied = any(i in negators and sentence.clause_of(i) is same_clause for i in before)
                if denied:
                    rejected.append(label)
                elif id(label) in labels:
                    said.append(label)
                break
            if len(others) == 1 and others <= negators:
                rejected.append(label)  # "du er ikke lat"
                break
    said += _denied_praise(sentence, fillers, negators)
    return Labels(sorted(said, key=lambda h: h.first), rejected)


def _rejected_after_copula(sentence: Sentence, label: Hit, fillers: set[int], negators: set[int]) -> bool:
    """Whether a label follows a copula ("du er en …") that a negation before it rejects."""
    for copula in sentence.hits["person_copula"]:
        between = set(range(copula.last + 1, label.first))
        if copula.last >= label.first or len(between) > MAX_FILLERS or between - fillers:
            continue
        same_clause = sentence.clause_of(copula.first)
        before = range(max(copula.first - _REJECT_REACH, 0), copula.first)
        return any(i in negators and sentence.clause_of(i) is same_clause for i in before)
    return False


_COORDINATORS = frozenset({"og", "and", "samt", "eller", "or"})
_COORDINATION_REACH = 8


def _after_coordination(sentence: Sentence, between: set[int]) -> set[int]:
    """The words between a copula and a label after the last coordinator, if one joins predicates."""
    if not between or len(between) > _COORDINATION_REACH:
        return between
    joins = [i for i in sorted(between) if sentence.tokens[i].text in _COORDINATORS]
    return {i for i in between if i > joins[-1]} if joins else between


def _denied_praise(sentence: Sentence, fillers: set[int], negators: set[int]) -> list[Hit]:
    """Praise words denied of the person: "du er så lite pålitelig", "you're not very reliable".

    The hit spans the negation and the praise word ("lite pålitelig"): together they are the label.
    """
    found = []
    for praise in sentence.hits["positive"]:
        if praise.first != praise.last:
            continue
        for copula in sentence.hits["person_copula"]:
            between = set(range(copula.last + 1, praise.first))
            if copula.last >= praise.first or len(between) > MAX_FILLERS + 1:
                continue
            words = {sentence.tokens[i].text for i in between}
            denial = between - fillers
            if denial and denial <= negators and not words & _NOT_ONLY:
                first = min(denial)
                found.append(Hit("label", "denied praise", first, praise.last,
                                 sentence.tokens[first].start, praise.end))
                break
    return found


def event_times(sentence: Sentence) -> list[Hit]:
    """Time points that date an event ("tysdag", "kl. 12", "yesterday"), not a routine or a deadline.

    "Hver fredag", "every Monday", "innen fredag" and "by Friday" are left out: they say when
    something should happen, not when it did.
    """
    skip = {i for h in sentence.hits["time_frame"] for i in range(h.first, h.last + 2)}
    return [h for h in sentence.hits["time_point"] if h.first not in skip]


def opens_with_action(sentence: Sentence, clause: Clause, start: int) -> bool:
    """Whether a clause names an action: it opens with a gerund or holds an infinitive.

    "…, emailing the client our margin sheet", "… hyggelig av deg å svare Telenor etter to uker":
    in sarcasm the action is the problem.
    """
    if start >= len(sentence.tokens):
        return False
    if any(t.text == "å" for t in sentence.tokens[start : clause.last + 1]):
        return True
    word = sentence.tokens[start].text
    return word.endswith("ing") and len(word) > 5 and word not in _ING_NOUNS


def opening_imperative(sentence: Sentence, clause: Clause, start: int, after_ask: bool = False) -> bool:
    """Whether a clause opens with a verb the lexicon does not know, said as an instruction.

    "Last opp de sju innen fredag kl. 12", "Pakk veska kvelden før", "…, så purr dagen etter
    forfall", "Rename them using the client ID": the first word is no word the lexicon knows
    (pronoun, determiner, greeting, praise …) and no noun with its ending, and the next word is an
    object pronoun ("them", "den"), or at least no finite verb (that would make the first word a
    subject: "Kari leverte …", "Revisor kommer …"). Without an object pronoun it takes a deadline
    in the clause, or Norwegian, where a noun seldom opens a clause without its ending (English
    sentences open with names and bare nouns). Only the start of a sentence counts, or in Norwegian
    a clause led by "så" ("…, så purr dagen etter"), or by "og" after an ask ("Ring dem og avtal …";
    after a statement "og" shares its subject: "Han følte seg overkjørt og trakk seg").
    """
    if sentence.question or clause.last < start + 1:
        return False
    lead = sentence.tokens[clause.first].text
    led = start > clause.first and sentence.language == "no" and (lead in _RESULT_LEADS or after_ask)
    if (start != 0 and not led) or start in sentence.names:
        return False
    first, second = sentence.tokens[start].text, sentence.tokens[start + 1].text
    if any(h.first == start for cue in _KNOWN for h in sentence.hits.get(cue, ())):
        # A content word ("clear" is also praise) before an object pronoun is still a verb:
        # "Clear them by tomorrow noon"; a function word never is.
        return second in _OBJECT_PRONOUNS and not any(
            h.first == start for cue in _FUNCTION for h in sentence.hits.get(cue, ())
        )
    if any(h.first == start + 1 for cue in _SUBJECT_SIGNS for h in sentence.hits.get(cue, ())):
        return False
    if any(h.first > start for h in sentence.in_clause("finite", clause)):
        return False  # "Tilbudt til Lie AS hadde feil pris": a subject and its verb
    if first.endswith(_NOUN_ENDINGS) or any(ch.isdigit() for ch in first + second):
        return False
    if second in _OBJECT_PRONOUNS:
        return True
    deadline = bool(sentence.in_clause("deadline", clause))
    if not deadline and sentence.language != "no":
        return False
    if not deadline and len(first) > 3 and first.endswith("a"):
        return False  # "veska", "lista": a feminine noun with its ending
    if not deadline and any(h.first == start + 1 for h in sentence.hits["not_imperative"]):
        return False  # "Samtalepunkter for …", "Tilbudt til …": a noun and its preposition
    if any(h.first == start + 1 for cue in _KNOWN for h in sentence.hits.get(cue, ())):
        return True  # "purr allerede …": a known word, not a verb form
    return not second.endswith(_PAST_ENDINGS if deadline else _PAST_ENDINGS + _PRESENT_ENDINGS)


# Negators that deny a whole group ("ingen av tilbudene dine hadde feil", "none of your quotes had errors"):
# they may stand anywhere before the failure in the clause.
_GROUP_DENIALS = frozenset({"ingen", "inga", "ingen av", "inga av", "none", "none of", "no", "not one"})
#: Most words between a negator and the failure it denies ("ikke gått glipp av", "not once missed").
_DENIAL_REACH = 2


def denied_failures(sentence: Sentence) -> list[tuple[Hit, Hit]]:
    """Failure and harm words the sentence denies, each with the negator that denies it.

    "Du har ikke gått glipp av en eneste frist", "det manglar ikkje ei einaste oppfølging", "ingen av
    tilbudene dine hadde feil": the failure did not happen, so it names no problem. A negator inside
    the failure cue ("ikke levert") is the failure itself; "ikke bare glemte du …" adds, it denies
    nothing; a question ("Hvorfor manglet ikke …?") asks about the failure.
    """
    if sentence.question:
        return []
    failures = sentence.hits["problem"] + sentence.hits["effect"]
    # A negator inside a failure cue ("ikke levert", "har enno ikkje") is the failure itself.
    negators = [
        n for n in sentence.hits["negator"]
        if not any(n.first <= f.last and n.last >= f.first for f in failures)
    ]
    found = []
    for failure in failures:
        clause = sentence.clause_of(failure.first)
        for negator in negators:
            if sentence.clause_of(negator.first) is not clause:
                continue
            following = sentence.tokens[negator.last + 1 : negator.last + 2]
            if following and following[0].text in _NOT_ONLY:
                continue
            words = " ".join(t.text for t in sentence.tokens[negator.first : negator.last + 1])
            # "ikkje ein einaste gong gløymt", "not once forgot": a sweeping "once" between them.
            once = any(negator.first <= a.first and a.last < failure.first for a in sentence.hits["absolute"])
            before = negator.last < failure.first and (
                failure.first - negator.last <= _DENIAL_REACH or words in _GROUP_DENIALS
                or (once and failure.first - negator.last <= _DENIAL_REACH + 3)
            )
            after = sentence.language == "no" and negator.first == failure.last + 1  # "manglar ikkje"
            if before or after:
                found.append((failure, negator))
                break
    return found


# Strong present forms that do not end in -er/-ar ("Du tar kontakt med kunden i morgen").
_PRESENT_IRREGULAR = frozenset({
    "tar", "går", "får", "gjør", "gjer", "ser", "ber", "drar", "sier", "seier", "legg", "set", "tek",
    "gjev", "gir", "held", "holder", "skriv", "les", "ring",
})
_YOU = frozenset({"du", "dere", "dykk"})
# Cues that put a plan in the future: a deadline, a coming time, a span from now on.
_COMING = ("deadline", "future_time", "plan_span")
# Verbs that stop the search for a fronted present verb: a past or modal verb before "du" is no plan.
_PAST_OR_MODAL = frozenset({
    "var", "har", "hadde", "kan", "kunne", "skal", "skulle", "vil", "ville", "må", "måtte", "bør", "burde",
    "gikk", "kom", "fikk", "tok", "sa", "sendte", "glemte", "ble", "vart", "blei", "er",
})
_PRESENT_NOT_VERBS = frozenset({"er", "var", "har", "der", "her", "eller", "etter", "over", "under", "bare"})


def present_instruction(sentence: Sentence, clause: Clause, start: int) -> bool:
    """Whether a clause tells the person what they do from now on, in the present tense.

    "Du sender meg prognosen innen fredag", "Du tar kontakt med kunden i morgen", in a note "Hun
    sjekkar kundegruppa før ho overstyrer pris fram til jul" (read as "du"): the person as subject,
    a present-tense verb and a coming time or deadline; or the verb before "du" after a fronted
    time ("Før neste møte går du gjennom referatet"). A statement of what they did ("Du sendte …
    i går") has a past verb; a habit without a coming time ("Du sender tilbud for sent") is none.
    """
    if sentence.question or clause.last < start + 1:
        return False
    words = [t.text for t in sentence.tokens[start : clause.last + 1]]
    if sentence.language != "no":
        return _english_plan(sentence, clause, start, words)
    if words[0] in _YOU:
        inverted, verb = False, words[1]
    else:
        # "Før neste møte går du gjennom referatet": the first verb, right before "du", after a
        # fronted time.
        verbs = [i for i, word in enumerate(words[:-1]) if _present(word) or word in _PAST_OR_MODAL]
        if not verbs or words[verbs[0] + 1] not in _YOU:
            return False
        inverted, verb = True, words[verbs[0]]
    if not _present(verb) or sentence.in_clause("negator", clause) or sentence.in_clause("absolute", clause):
        return False
    if inverted:  # a fronted coming time ("Neste uke", "Før neste møte") may stand in a clause before
        return any(sentence.hits[cue] for cue in _COMING)
    return any(sentence.in_clause(cue, clause) for cue in _COMING)


def _present(word: str) -> bool:
    return word in _PRESENT_IRREGULAR or (
        len(word) > 3 and word.endswith(_PRESENT_ENDINGS) and word not in _PRESENT_NOT_VERBS
    )


# Modals that make a rule for what comes next ("Rapporten skal ligge i mappa fredag kl. 12").
_RULE_MODALS = frozenset({"skal", "må", "bør", "should", "must"})
_FIRST_PERSON = frozenset({"jeg", "eg", "vi", "me", "i", "we"})


def rule_with_deadline(sentence: Sentence, clause: Clause, start: int) -> bool:
    """Whether a clause sets a rule for a deliverable with a coming time: a way forward.

    "Rapporten skal ligge i mappa fredag kl. 12", "Planen skal ut seinast ei veke før oppstart",
    "The quote must go out by Thursday": a modal, a deadline or coming time, no negation, and not
    the manager's own plan ("Jeg skal ringe dem i morgen").
    """
    if sentence.question or start > clause.last or sentence.in_clause("negator", clause):
        return False
    if sentence.tokens[start].text in _FIRST_PERSON:
        return False
    words = {t.text for t in sentence.tokens[clause.first : clause.last + 1]}
    return bool(words & _RULE_MODALS) and any(sentence.in_clause(cue, clause) for cue in _COMING)


# Words after "you" that make a statement, not a plan ("you are", "you have been", "you sent").
_EN_NOT_PLAN = frozenset({
    "are", "were", "was", "is", "have", "had", "has", "did", "do", "don't", "didn't", "can", "could",
    "will", "would", "should", "might", "must", "need", "always", "never", "still", "just", "really",
    "forgot", "sent", "made", "took", "gave", "left", "said", "told", "went", "got", "came", "put", "let",
    "set", "wrote", "spoke", "brought", "bought", "sold", "kept", "ran", "thought", "knew", "lost", "won",
})


def _english_plan(sentence: Sentence, clause: Clause, start: int, words: list[str]) -> bool:
    """A plan said in the present: "you send me the list by Friday", "From next season you check …".

    "you" opens the clause, or follows a fronted coming time; a present verb follows it, and a
    deadline or coming time stands in the clause. A past ("you sent", "you forgot") tells what happened.
    """
    if sentence.in_clause("negator", clause) or sentence.in_clause("absolute", clause):
        return False
    coming = [h for cue in _COMING for h in sentence.in_clause(cue, clause)]
    if not coming:
        return False
    you = 0 if words[0] == "you" else next(
        (i for i in range(1, min(6, len(words) - 1)) if words[i] == "you"
         and any(h.first == start and h.last == start + i - 1 for h in coming)),
        None,
    )
    if you is None or you + 1 >= len(words):
        return False
    verb = words[you + 1]
    return verb not in _EN_NOT_PLAN and not verb.endswith(("ed", "n't"))
