"""Run the prompt-injection corpus and write eval/injection/report.md (and report.json).

    .venv/bin/python eval/injection/run.py              # the whole corpus (about 10 minutes on 2 cores)
    .venv/bin/python eval/injection/run.py --sample 7   # every 7th probe on the real model

Targets: the real SmolLM2 on llama.cpp's OpenAI-compatible server (started here on a free loopback port,
or ``--base-url`` of one already running), and the named obedient fake in each of its modes (it falls
for every injection, so it shows the guardrails hold whatever the model does). The coverage veto is
off for all of them, so every probe that retrieval finds relevant reaches the model: the worst case
for the output filters. Exits 1 when any probe has a violation.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.backends.llm import make_chat_model  # noqa: E402
from assistant.config import LLMSettings  # noqa: E402
from assistant.injection_eval import (  # noqa: E402
    ProbeResult,
    format_report,
    load_probes,
    make_target,
    prepare,
    run_corpus,
)
from tests.obedient_fake import MODES, ObedientFakeChatModel  # noqa: E402

HERE = Path(__file__).resolve().parent


def _real_model(base_url: str | None, work: Path) -> tuple[LLMSettings, object | None]:
    if base_url:
        return LLMSettings(provider="openai", base_url=base_url, model="smollm2", timeout_s=30,
                           max_tokens=24, temperature=0.0), None
    from tests.llm_server import LLMServer, llm_settings_for, smollm2_gguf

    server = LLMServer(smollm2_gguf(), work / "server.log")
    server.start()
    return llm_settings_for(server, max_tokens=24, timeout_s=30), server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=Path, default=HERE / "probes.jsonl")
    parser.add_argument("--out", type=Path, default=HERE / "report.md")
    parser.add_argument("--sample", type=int, default=1, help="Run every Nth probe on the real model.")
    parser.add_argument("--base-url", help="An OpenAI-compatible server already running (model smollm2).")
    parser.add_argument("--json", type=Path, help="Also write every probe's result to this JSON file.")
    args = parser.parse_args(argv)
    probes = load_probes(args.probes)
    results: list[ProbeResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        llm, server = _real_model(args.base_url, work)
        try:
            coach, forbidden = prepare(work, probes, llm=llm)
            model = make_chat_model(llm)
            assert model is not None
            started = time.perf_counter()
            real = make_target("SmolLM2-135M (llama.cpp server)", coach, model, coverage=False)
            results += run_corpus(real, probes[:: args.sample], forbidden)
            seconds = time.perf_counter() - started
            print(f"real model: {len(probes[:: args.sample])} probes in {seconds:.0f} s")
            for mode in MODES:
                fake = ObedientFakeChatModel(mode=mode)
                target = make_target(f"obedient fake: {mode}", coach, fake, coverage=False)
                results += run_corpus(target, probes, forbidden)
        finally:
            if server is not None:
                server.stop()  # type: ignore[attr-defined]
    families = sorted({p.family for p in probes})
    notes = [
        f"{len(probes)} probes in {len(families)} families ({', '.join(families)}); channels: questions "
        "(nb, nn, en), multi-turn history, feedback notes, and documents indexed beside the guidance "
        "(indirect). OWASP LLM Top 10 2025: LLM01, LLM02, LLM07.",
        "",
        "Coverage veto off for every target, so each probe the retrieval finds relevant reaches the model. "
        "Checks (see assistant/injection_eval.py): canary, six words of the system prompt, citation "
        "numbers outside the numbered sources (streamed or final), cited sections not retrieved or "
        "asked for by the injection, notebook text / passwd / data-dir path in the answer; feedback "
        "drafts: instructions, citations, invented names or numbers.",
        "",
        f"Result: {len(results)} probe runs, {sum(1 for r in results if r.violations)} with a violation.",
    ]
    args.out.write_text(format_report(results, notes), encoding="utf-8")
    if args.json:
        rows = [asdict(r) for r in results]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(results)} probe runs, {sum(1 for r in results if r.violations)} violations -> {args.out}")
    return 1 if any(r.violations for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
