"""What the model engine sends a model: the schema the caller may see, the rules, the question.

Only what the caller may see goes in: the datasets `AccessPolicy.datasets_for` gives them
(hidden columns already gone), and, when the admin turned `AURORA_LLM_SEND_VALUES` on,
the values of their low-cardinality text columns read under the caller's row-level security.
Nothing else about the data leaves the server.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.catalog.models import Column, Dataset
from backend.query.spec import QuerySpec

# A text column with more distinct values than this is not "low-cardinality": none are sent.
MAX_VALUES = 50
# At most this many columns are read for values per question (each is one DISTINCT query).
MAX_VALUE_COLUMNS = 40

ValuesOf = Callable[[str, str, int], Awaitable[list[Any]]]
"""(dataset key, column, limit) -> distinct non-NULL values the caller may see."""


@dataclass(frozen=True)
class DatasetSchema:
    """One dataset as the prompt describes it (its and its columns' synonyms are the
    admin's, on the catalog's `Dataset` and `Column`)."""

    dataset: Dataset
    load_types: tuple[str, ...] = ()


def _column_doc(
    dataset: DatasetSchema, values: Mapping[tuple[str, str], list[Any]]
) -> list[dict[str, Any]]:
    docs = []
    for c in dataset.dataset.columns:
        doc: dict[str, Any] = {"name": c.name, "label": c.display, "type": c.kind}
        if c.synonyms:
            doc["synonyms"] = list(c.synonyms)
        if (found := values.get((dataset.dataset.key, c.name))) is not None:
            doc["values"] = found
        docs.append(doc)
    return docs


def schema_doc(
    datasets: Sequence[DatasetSchema], values: Mapping[tuple[str, str], list[Any]]
) -> list[dict[str, Any]]:
    """The datasets as plain JSON: key, label, synonyms, load types and columns."""
    docs = []
    for d in datasets:
        doc: dict[str, Any] = {"key": d.dataset.key, "label": d.dataset.display}
        if d.dataset.synonyms:
            doc["synonyms"] = list(d.dataset.synonyms)
        if d.load_types:
            doc["load_types"] = list(d.load_types)
        doc["columns"] = _column_doc(d, values)
        docs.append(doc)
    return docs


def _texty(column: Column) -> bool:
    return column.kind == "text"


async def read_values(
    datasets: Sequence[DatasetSchema], values_of: ValuesOf
) -> dict[tuple[str, str], list[Any]]:
    """The values of each text column with at most MAX_VALUES of them, as `values_of` (the
    caller's view, under their row-level security) answers; larger (and empty) columns are
    left out."""
    found: dict[tuple[str, str], list[Any]] = {}
    text = [(d.dataset.key, c.name) for d in datasets for c in d.dataset.columns if _texty(c)]
    for key, column in text[:MAX_VALUE_COLUMNS]:
        got = await values_of(key, column, MAX_VALUES + 1)
        if 0 < len(got) <= MAX_VALUES:
            found[(key, column)] = [str(v) for v in got]
    return found


RULES = """\
You turn a business question into a query spec for a reporting tool. Answer with one JSON \
object that matches the JSON schema given, and nothing else: no SQL, no prose, no code fences.
Rules:
- Use only the datasets and column names listed below (the "name", never the label).
- Do not use "calculated", "expr" or "where": only plain columns, measures over columns, \
filters, group_by, sort and limit.
- "top N" / "bottom N": sort by the measure (desc / asc) and set limit to N.
- Grouping a date by a period: a group_by entry {"column": ..., "bucket": "month"}.
- A join uses "joins" with the key columns named as "<dataset>.<column>".
- Vintage: {"load_type": one of the dataset's load_types}; omit it for the default load.
- Today is {today}.
Datasets (JSON):
{schema}"""


def messages(question: str, schema: list[dict[str, Any]], today: dt.date) -> list[dict[str, str]]:
    """The chat messages of the first attempt."""
    system = RULES.replace("{today}", today.isoformat()).replace(
        "{schema}", json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def retry_messages(first: list[dict[str, str]], answer: str, error: str) -> list[dict[str, str]]:
    """The second attempt: the first, the model's answer, and why it was refused."""
    again = (
        f"That answer was refused: {error}\n"
        "Answer again with one corrected JSON object matching the schema, and nothing else."
    )
    return [*first, {"role": "assistant", "content": answer}, {"role": "user", "content": again}]


def response_format() -> dict[str, Any]:
    """Ask for JSON matching the spec's JSON schema (OpenAI's `json_schema` format; servers
    that enforce it constrain the output, the rest read it as guidance)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "QuerySpec", "schema": QuerySpec.model_json_schema()},
    }
