"""The question set over the demo warehouse (tests/ask/questions.yaml): at least 90% give the
expected result rows, and every question that must not be answered is refused or asked back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from backend.ask.service import AskService
from tests.ask.evaluation import Outcome, by_category, evaluate, load

QUESTIONS = Path(__file__).with_name("questions.yaml")


def _report(outcomes: list[Outcome]) -> str:
    failed = [
        f"  {o.case.category}: {o.case.question!r} -> {o.status}: {o.why}"
        for o in outcomes
        if not o.passed
    ]
    table = [f"  {name}: {ok}/{n}, p95 {p95:.1f} ms" for name, ok, n, p95 in by_category(outcomes)]
    return "\n".join(["per category:", *table, "failed:", *failed])


def test_the_question_set_is_big_enough_and_covers_refusals() -> None:
    cases = load(QUESTIONS)
    assert len([c for c in cases if c.expected is not None]) >= 150
    assert len([c for c in cases if c.expected is None]) >= 20
    categories = {c.category for c in cases}
    assert {"measure", "group", "bucket", "time", "compare", "negation", "value", "rank",
            "vintage", "join", "fuzzy", "refuse", "clarify"} <= categories  # fmt: skip


def test_the_parser_answers_at_least_90_percent_and_refuses_all_it_must(
    demo_asker: AskService,
) -> None:
    outcomes = asyncio.run(evaluate(demo_asker, load(QUESTIONS)))
    report = _report(outcomes)
    print(report)
    must_not = [o for o in outcomes if o.case.expected is None]
    assert all(o.passed for o in must_not), report
    assert sum(o.passed for o in outcomes) >= 0.9 * len(outcomes), report
