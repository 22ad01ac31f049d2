"""The coaching chain with the extractive engine: LCEL protocol, steps, follow-ups, coverage."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.runnables import RunnableLambda

from assistant.app import Coach
from assistant.errors import InputError
from assistant.memory import Message

FEEDBACK = "Hvilke tre deler har god tilbakemelding?"


def test_chain_steps_are_named_runnables(coach: Coach) -> None:
    names = [step.name for step in coach.chain.bound.steps]  # type: ignore[attr-defined]
    assert names == ["condense", "retrieve", "coverage", "engine", "citation_check"]


def test_invoke_batch_stream_and_async_give_the_same_answer(coach: Coach) -> None:
    payload = {"question": FEEDBACK, "history": []}
    answer = coach.chain.invoke(payload)
    assert answer.covered and answer.engine == "extractive" and answer.final
    assert answer.citations[0].section_key == "vaner/gi-tilbakemelding"
    assert coach.chain.batch([payload, payload]) == [answer, answer]
    streamed = list(coach.chain.stream(payload))
    assert streamed[-1] == answer
    assert asyncio.run(coach.chain.ainvoke(payload)) == answer

    async def collect() -> list[object]:
        return [a async for a in coach.chain.astream(payload)]

    assert asyncio.run(collect())[-1] == answer


def test_not_covered_answer_lists_related_sections_without_quotes(coach: Coach) -> None:
    answer = coach.ask("Hvordan bytter jeg dekk på bilen?")
    assert not answer.covered and answer.citations == [] and answer.quotes == []
    assert answer.as_json("q")["related"] == [
        {"section": r.section, "section_key": r.section_key, "source": r.source} for r in answer.related
    ]


def test_follow_up_uses_the_conversation(coach: Coach) -> None:
    history = [Message(role="user", content=FEEDBACK),
               Message(role="assistant", content="God tilbakemelding har tre deler [1].")]
    follow_up = coach.ask("og hvis selgeren er ny?", history=history)
    alone = coach.ask("og hvis selgeren er ny?")
    assert follow_up.question == f"{FEEDBACK} og hvis selgeren er ny?"
    assert follow_up.covered
    assert "vaner/gi-tilbakemelding" in [c.section_key for c in follow_up.citations]
    assert alone.question == "og hvis selgeren er ny?"


def test_the_hybrid_retriever_plugs_into_langchain_code(coach: Coach) -> None:
    retriever = coach.langchain_retriever(k=3)
    pipeline = retriever | RunnableLambda(lambda docs: [d.metadata["section_key"] for d in docs])
    keys = pipeline.invoke(FEEDBACK)
    assert len(keys) == 3 and keys[0] == "vaner/gi-tilbakemelding"
    assert retriever.invoke(FEEDBACK)[0].metadata["rank"] == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"question": ""}, "empty"),
        ({"question": "x" * 50_000}, "limit is 2000"),
        ({"question": "Hva er\x00 salgsledelse?"}, "control characters"),
        ({"question": "Hei", "history": "nope"}, "JSON list"),
        ({"question": "Hei", "history": [{"role": "robot", "content": "x"}]}, "JSON list"),
        ({"question": "Hei", "engine": "llm"}, "No language model is configured"),
        ({"question": "Hei", "engine": "magic"}, "Unknown engine"),
    ],
)
def test_bad_input_is_refused(coach: Coach, payload: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        coach.chain.invoke(payload)
