"""Generated test corpora: clustered near-duplicate notes, the data that makes approximate search flaky.

Used by the index safety tests and the benchmark. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from pathlib import Path

_TOPICS = [
    ("Tilbakemelding", "Vi ga {name} tilbakemelding om {thing} etter møtet med {customer}. "
     "Problemet var {problem}, konsekvensen var {consequence}, og vi ble enige om at {fix}."),
    ("En-til-en", "På en-til-en med {name} snakket vi om {thing}. {name} ønsker mer coaching på {problem}, "
     "og vi avtalte å følge opp {fix} neste uke."),
    ("Mål", "{name} har et kvartalsmål på {number} kroner. Status nå er {percent} prosent, og {customer} er "
     "den viktigste muligheten. Vi må fokusere på {thing}."),
    ("Motivasjon", "Teamet trenger motivasjon etter {problem}. {name} foreslo belønning for {thing}, og "
     "vi diskuterte insentiver knyttet til {customer}."),
    ("Rekruttering", "Vi intervjuet en kandidat til teamet til {name}. Kandidaten har erfaring med {thing} "
     "og solgte til {customer}, men mangler {problem}."),
    ("Kundemøte", "{name} hadde møte med {customer} om {thing}. Kunden var opptatt av {problem}, og "
     "neste steg er {fix}."),
]
_NAMES = ["Kari", "Ola", "Per", "Ingrid", "Sofie", "Jonas", "Emma", "Lars", "Nora", "Henrik", "Maja", "Emil"]
_CUSTOMERS = ["Hansen AS", "Nordbygg", "Fjordkraft", "Solberg Data", "Vestlandsmat", "Berg Logistikk"]
_THINGS = ["oppfølging av tilbud", "prisforhandling", "CRM-rutiner", "demo av produktet",
           "kundebesøk", "pipeline-gjennomgang", "kalde telefoner", "kontraktsfornyelse"]
_PROBLEMS = ["sene svar til kunden", "manglende forberedelse", "for lite aktivitet", "uklare avtaler",
             "svak avslutning", "lite struktur i uken"]
_CONSEQUENCES = ["at kunden valgte en konkurrent", "tapt tillit", "forsinket ordre", "lavere margin"]
_FIXES = ["en fast plan for oppfølging", "bedre forberedelse før møter", "daglig CRM-oppdatering",
          "rollespill før neste forhandling"]


def write_clustered_notes(folder: Path, notes: int = 64, seed: int = 7) -> list[Path]:
    """Write Markdown notes whose sections are near-duplicates of a few topics.

    Each note has one section per topic, so ``notes`` notes give about ``6 * notes`` chunks.

    Args:
        folder: Where to write ``notat-NNN.md`` files (created).
        notes: Number of notes.
        seed: Random seed; the same seed writes the same files.

    Returns:
        The written files.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(notes):
        lines = [f"# Notat {n + 1:03d}", ""]
        for title, template in _TOPICS:
            text = template.format(
                name=rng.choice(_NAMES), customer=rng.choice(_CUSTOMERS), thing=rng.choice(_THINGS),
                problem=rng.choice(_PROBLEMS), consequence=rng.choice(_CONSEQUENCES), fix=rng.choice(_FIXES),
                number=rng.randrange(200, 2000) * 1000, percent=rng.randrange(20, 120),
            )
            lines += [f"## {title}", "", text, ""]
        path = folder / f"notat-{n + 1:03d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths
