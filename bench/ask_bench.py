"""Ask in plain words (issue 20): the question set of tests/ask/questions.yaml over the demo
warehouse of the smallest BENCH_ROWS size, accuracy per category (a question passes when the
parser's spec gives the expected spec's rows), and the time per question: the parser alone
(`interpret`, the 50 ms p95 target) and the whole ask as POST /api/ask runs it (the caller's
context from the values cache, the parser, the compile that validates the spec)."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from backend.ask.parser import ParserEngine
from backend.ask.service import AskService
from backend.config import Settings
from backend.wiring import open_services
from bench.harness import markdown_table
from tests.ask.evaluation import ADMIN, Case, Outcome, by_category, evaluate, load

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "ask" / "questions.yaml"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _parser_times(asker: AskService, cases: list[Case]) -> list[float]:
    """The engine alone, on each question's context (read once, from the cache)."""
    engine, times = ParserEngine(), []
    for case in cases:
        context = await asker.context(ADMIN, case.dataset, case.today)
        started = time.perf_counter()
        engine.interpret(case.question, context)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _run(warehouse: Path) -> tuple[list[Outcome], list[float]]:
    cases = load(QUESTIONS)
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(
            data_dir=warehouse, state_path=Path(state), metadata_url=f"sqlite:///{state}/a.db"
        )
        services = open_services(settings)
        try:
            asker = AskService(services.queries)
            outcomes = asyncio.run(evaluate(asker, cases))
            parser = asyncio.run(_parser_times(asker, cases))
        finally:
            services.close()
    return outcomes, parser


def report(warehouses: dict[str, Path]) -> str:
    label, warehouse = min(warehouses.items(), key=lambda kv: kv[0].endswith("M"))
    outcomes, parser = _run(warehouse)
    rows = [
        [name, f"{ok}/{n}", f"{100 * ok / n:.0f}%", f"{p95:.1f}"]
        for name, ok, n, p95 in by_category(outcomes)
    ]
    must_not = [o for o in outcomes if o.case.expected is None]
    refused = sum(o.passed for o in must_not)
    whole = [o.elapsed_ms for o in outcomes]
    return (
        f"## Ask: question to spec ({label} demo, {dt.date.today():%Y-%m-%d})\n\n"
        + markdown_table(["category", "passed", "accuracy", "ask p95 ms"], rows)
        + f"\n\nMust refuse or ask back: {refused}/{len(must_not)} refused. "
        f"Parser alone: p50 {statistics.median(parser):.2f} ms, p95 {_p95(parser):.2f} ms "
        f"(target <= 50 ms). Whole ask (context cached, compile check): "
        f"p50 {statistics.median(whole):.1f} ms, p95 {_p95(whole):.1f} ms.\n"
    )


if __name__ == "__main__":
    from bench.harness import warehouse as build

    print(report({"20k": build(20_000)}))
