"""The deterministic engine: a question's items (`backend.ask.tagging`) read left to right by a
small grammar into an `Intent`, which `backend.ask.build` turns into a query spec.

Nothing is guessed silently: a phrase with several meanings, or a word close to a name but not
equal to it, comes back as alternatives and the answer asks before it answers."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from backend.ask import build, lexicon, scope, timewords
from backend.ask.engine import AskContext
from backend.ask.intent import FilterIntent, GroupIntent, Intent, MeasureIntent, Ref, TimeIntent
from backend.ask.lexicon import DATES, Lexicon, Meaning, is_measure
from backend.ask.models import Alternative, AskAnswer, Choice
from backend.ask.tagging import Item, tag
from backend.ask.text import number
from backend.ask.vintage_words import vintage_at
from backend.ask.words import ROW_NOUNS, STOP

FUZZY_CUTOFF = 0.8


class ParserEngine:
    name = "parser"

    def interpret(self, question: str, context: AskContext) -> AskAnswer:
        lex = lexicon.build(context)
        items = tag(question, lex)
        intent = Intent()
        if any(i.code in ("WRITE", "SQL") for i in items):
            intent.refusal = "Questions read data; they cannot change it or carry SQL."
            return build.answer(self.name, intent, context, question)
        primary, tied = scope.choose(items, context)
        if primary is None:
            for item in items:
                close = fuzzy_choices(item, lex, context, None)
                if close:
                    intent.alternatives.append(Alternative(text=item.raw, choices=close))
            return build.answer(self.name, _no_dataset(intent, tied, context), context, question)
        intent.dataset = primary
        _Reader(items, intent, context, lex).read()
        return build.answer(self.name, intent, context, question)


def _no_dataset(intent: Intent, tied: list[str], context: AskContext) -> Intent:
    if tied:
        choices = [
            Choice(label=v.dataset.display, value=f"dataset:{v.dataset.key}")
            for v in context.datasets
            if v.dataset.key in tied
        ]
        intent.alternatives.append(Alternative(text="", choices=choices))
        intent.clarify = "Several datasets fit this question: which one?"
    else:
        intent.refusal = "Nothing in the question matches a dataset you can see."
    return intent


class _Reader:
    """Reads the items once, left to right; each rule takes the items it understood."""

    def __init__(self, items: list[Item], intent: Intent, context: AskContext, lex: Lexicon):
        self.items, self.intent, self.context, self.lex = items, intent, context, lex
        assert intent.dataset is not None
        self.primary = intent.dataset
        self.rules: list[Callable[[int], int]] = [
            self._vintage,
            self._time,
            self._top,
            self._high_low,
            self._aggregate,
            self._count,
            self._group,
            self._bucket,
            self._sort,
            self._direction,
            self._negated,
            self._data,
            self._compare_before_column,
            self._compare_after_measure,
            self._flags,
        ]

    # -- helpers -------------------------------------------------------------------------

    def at(self, i: int) -> Item | None:
        return self.items[i] if 0 <= i < len(self.items) else None

    def code(self, i: int) -> str:
        item = self.at(i)
        return item.code if item is not None else ""

    def text(self, i: int, j: int) -> str:
        return " ".join(it.raw for it in self.items[i:j])

    def kind(self, ref: Ref) -> str:
        view = self.context.view(ref.dataset)
        column = view.dataset.column(ref.column) if view else None
        return column.kind if column is not None else "other"

    def measure_like(self, ref: Ref) -> bool:
        view = self.context.view(ref.dataset)
        column = view.dataset.column(ref.column) if view else None
        return column is not None and is_measure(column)

    def meanings(self, i: int) -> list[Meaning]:
        item = self.at(i)
        if item is None or item.code != "DATA":
            return []
        return scope.resolve(item, self.primary)

    def column_at(self, i: int) -> Ref | None:
        """The one column item i names; several: alternatives are recorded, None returned."""
        found = [m for m in self.meanings(i) if m.kind == "column"]
        if len(found) == 1:
            return Ref(found[0].dataset, found[0].column)
        if len(found) > 1:
            self.ambiguous(i, found)
        return None

    def ambiguous(self, i: int, found: list[Meaning]) -> None:
        item = self.items[i]
        choices = [
            Choice(label=build.meaning_label(m, self.context), value=_phrase_of(m, self.context))
            for m in found
        ]
        self.intent.alternatives.append(Alternative(text=item.raw, choices=choices))
        item.used = True

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> None:
        i = 0
        while i < len(self.items):
            if self.items[i].used:
                i += 1
                continue
            used = next((n for rule in self.rules if (n := rule(i))), 0)
            if used:
                for item in self.items[i : i + used]:
                    item.used = True
                i += used
            else:
                self._leftover(i)
                i += 1

    def _vintage(self, i: int) -> int:
        found = vintage_at(self, i)
        if found is None:
            return 0
        vintage, used = found
        if vintage is not None:
            self.intent.vintage = (vintage, self.text(i, i + used))
        return used

    def _time(self, i: int, ref: Ref | None = None) -> int:
        found = timewords.match(self.items, i, self.context.today)
        if found is None:
            return 0
        span, used = found
        self.intent.times.append(TimeIntent(span, ref, self.text(i, i + used)))
        return used

    def _top(self, i: int) -> int:
        code = self.code(i)
        if code not in ("TOP", "BOTTOM"):
            return 0
        direction = "desc" if code == "TOP" else "asc"
        n = self.at(i + 1)
        used = 1
        if n is not None and n.code == "NUM" and n.raw.isdigit():
            self.intent.limit = (int(n.raw), self.text(i, i + 2))
            used = 2
        self.intent.rank = (direction, None, self.text(i, i + used))
        return used

    def _high_low(self, i: int) -> int:
        code = self.code(i)
        if code not in ("HIGH", "LOW"):
            return 0
        direction = "desc" if code == "HIGH" else "asc"
        ref = None if self._row_noun_word(i + 1) else self.column_at(i + 1)
        if ref is not None and self.measure_like(ref):
            self.intent.rank = (direction, ref, self.text(i, i + 2))
            return 2
        if self._row_noun(i + 1):
            self.intent.measures.append(MeasureIntent("count", None, self.text(i, i + 2)))
            self.intent.rank = (direction, None, self.text(i, i + 2))
            return 2
        self.intent.rank = (direction, None, self.text(i, i + 1))
        return 1

    def _aggregate(self, i: int) -> int:
        code = self.code(i)
        if not code.startswith("AGG:"):
            return 0
        j = i + 1
        distinct = self.code(j) == "DISTINCT"
        j += distinct
        ref = self.column_at(j)
        if ref is None:
            if code == "AGG:sum" and self._row_noun(j):  # "total orders"
                self.intent.measures.append(MeasureIntent("count", None, self.text(i, j + 1)))
                return j + 1 - i
            return 0
        agg = "count_distinct" if distinct else code[4:]
        self.intent.measures.append(MeasureIntent(agg, ref, self.text(i, j + 1)))
        return j + 1 - i

    def _count(self, i: int) -> int:
        code = self.code(i)
        if code not in ("COUNT", "DISTINCT"):
            return 0
        j = i + 1 if code == "COUNT" else i
        distinct = code == "DISTINCT" or self.code(j) == "DISTINCT"
        j += self.code(j) == "DISTINCT"
        ref = self._countable(j, distinct)
        if ref is not None:
            self.intent.measures.append(MeasureIntent("count_distinct", ref, self.text(i, j + 1)))
            return j + 1 - i
        noun = self._row_noun(j)
        end = j + 1 if noun else max(j, i + 1)
        self.intent.measures.append(MeasureIntent("count", None, self.text(i, end)))
        return end - i

    def _countable(self, j: int, distinct: bool) -> Ref | None:
        """ "how many countries": a text column named whole counts its distinct values."""
        exact = [m for m in self.meanings(j) if m.kind == "column" and m.exact]
        if len(exact) != 1:
            return None
        ref = Ref(exact[0].dataset, exact[0].column)
        view = self.context.view(ref.dataset)
        listed = view is not None and ref.column in view.values
        if distinct or (listed and self.kind(ref) == "text"):
            return ref
        return None

    def _row_noun(self, j: int) -> bool:
        item = self.at(j)
        if item is None:
            return False
        if item.code == "DATA" and any(m.kind == "dataset" for m in item.meanings):
            return True
        if item.code == "DATA" and all(not m.exact for m in item.meanings):
            return True
        return item.code in ("LIST", "WORD") and bool(item.norm) and item.norm[-1] in ROW_NOUNS

    def _row_noun_word(self, j: int) -> bool:
        item = self.at(j)
        if item is None or not item.norm or item.norm[-1] not in ROW_NOUNS:
            return False
        return item.code in ("WORD", "LIST") or (
            item.code == "DATA" and not any(m.exact for m in item.meanings)
        )

    def _group(self, i: int) -> int:
        if self.code(i) != "GROUP":
            return 0
        j, took = i + 1, 0
        while True:
            step = self._group_target(j)
            if not step:
                break
            took, j = took + step, j + step
            if self.code(j) in ("AND", "OR") and self._group_target(j + 1, probe=True):
                j, took = j + 1, took + 1
                continue
            break
        return 1 + took if took else 0

    def _group_target(self, j: int, *, probe: bool = False) -> int:
        code = self.code(j)
        if code.startswith("P:") or code.startswith("B:"):
            if not probe:
                self.intent.groups.append(
                    GroupIntent(Ref("", ""), code[2:], self.text(j - 1, j + 1))
                )
            return 1
        if self._row_noun_word(j):  # "top regions by orders": ranked by their count
            if not probe:
                self.intent.measures.append(MeasureIntent("count", None, self.text(j - 1, j + 1)))
                direction = self.intent.rank[0] if self.intent.rank else "desc"
                self.intent.rank = (direction, None, self.text(j - 1, j + 1))
            return 1
        ref = self.column_at(j) if not probe else _single(self.meanings(j))
        if ref is None:
            return 0
        if self.measure_like(ref):  # "top regions by revenue": ranked by, not grouped by
            if not probe:
                direction = self.intent.rank[0] if self.intent.rank else "desc"
                self.intent.rank = (direction, ref, self.text(j - 1, j + 1))
            return 1
        if not probe:
            self.intent.groups.append(GroupIntent(ref, None, self.text(j - 1, j + 1)))
        return 1

    def _bucket(self, i: int) -> int:
        code = self.code(i)
        if not code.startswith("B:"):
            return 0
        self.intent.groups.append(GroupIntent(Ref("", ""), code[2:], self.text(i, i + 1)))
        j = i + 1
        while self.code(j) in ("AND", "GROUP") and self._group_target(j + 1, probe=True):
            j += 1 + self._group_target(j + 1)
        return j - i

    def _sort(self, i: int) -> int:
        if self.code(i) != "SORT":
            return 0
        ref = self.column_at(i + 1)
        if ref is None:
            return 0
        direction, used = "asc", 2
        if self.code(i + 2) in ("ASC", "DESC"):
            direction, used = self.code(i + 2).lower(), 3
        elif self.measure_like(ref):
            direction = "desc"
        self.intent.sort = (ref, direction, self.text(i, i + used))
        return used

    def _direction(self, i: int) -> int:
        code = self.code(i)
        if code not in ("ASC", "DESC"):
            return 0
        ref = self.intent.rank[1] if self.intent.rank else None
        self.intent.rank = (code.lower(), ref, self.text(i, i + 1))
        return 1

    def _negated(self, i: int) -> int:
        if self.code(i) != "NOT":
            return 0
        values, j = self._values(i + 1)
        if not values:
            return 0
        ref = Ref(values[0].dataset, values[0].column)
        self.intent.filters.append(
            FilterIntent(ref, "not_in", [m.value for m in values], self.text(i, j))
        )
        return j - i

    def _values(self, j: int) -> tuple[list[Meaning], int]:
        """Values of one column: `North`, `North or South`, `North, South and East`."""
        first = [m for m in self.meanings(j) if m.kind == "value"]
        if len(first) != 1:
            if len(first) > 1:
                self.ambiguous(j, first)
            return [], j
        found, j = first, j + 1
        while self.code(j) in ("AND", "OR"):
            more = [
                m
                for m in self.meanings(j + 1)
                if m.kind == "value"
                and m.column == first[0].column
                and m.dataset == first[0].dataset
            ]
            if len(more) != 1:
                break
            found.append(more[0])
            j += 2
        while True:  # bare lists: "North South"
            more = [
                m
                for m in self.meanings(j)
                if m.kind == "value"
                and m.column == first[0].column
                and m.dataset == first[0].dataset
            ]
            if len(more) != 1:
                break
            found.append(more[0])
            j += 1
        return found, j

    def _data(self, i: int) -> int:
        meanings = self.meanings(i)
        if not meanings:
            return 0
        kinds = {m.kind for m in meanings}
        if (
            "dataset" in kinds
            and "value" not in kinds
            and not any(m.exact for m in meanings if m.kind == "column")
        ):
            if meanings[0].exact or not self.intent.dataset_text:
                self.intent.dataset_text = self.text(i, i + 1)
            self.intent.rows = True  # "employees hired in 2023": its rows
            return 1
        if "value" in kinds and "column" not in kinds:
            return self._value_filter(i)
        return self._column(i)

    def _value_filter(self, i: int) -> int:
        values, j = self._values(i)
        if not values:
            return 1 if self.items[i].used else 0
        ref = Ref(values[0].dataset, values[0].column)
        op, value = (
            ("=", values[0].value) if len(values) == 1 else ("in", [m.value for m in values])
        )
        self.intent.filters.append(FilterIntent(ref, op, value, self.text(i, j)))
        return j - i

    def _column(self, i: int) -> int:
        item = self.items[i]
        if all(not m.exact for m in item.meanings) and item.norm[-1] in ROW_NOUNS:
            self.intent.rows = True  # "orders": the rows, not a column
            return 1
        ref = self.column_at(i)
        if ref is None:
            return 1 if self.items[i].used else 0
        kind = self.kind(ref)
        if kind in DATES:
            used = self._time(i + 1, ref)
            if used:
                self.intent.times[-1].text = self.text(i, i + 1 + used)
                return 1 + used
        if kind in lexicon.NUMERIC:
            used = self._compare(i + 1, ref, i)
            if used:
                return 1 + used
        j = i + 1
        while self.code(j) == "CMP:=" or (self.code(j) == "WORD" and self.items[j].norm[0] in STOP):
            j += 1
        nxt = [m for m in self.meanings(j) if m.kind == "value" and m.column == ref.column]
        if nxt:  # "region North", "region is North": the value says it
            return j - i
        self.intent.mentioned.append((ref, self.text(i, i + 1)))
        return 1

    def _compare(self, j: int, ref: Ref, start: int) -> int:
        """`over 100`, `at least 5`, `between 10 and 20`, `= 3`, `not over 5` after a column."""
        first = j
        while self.code(j) == "WORD" and self.items[j].norm[0] in STOP:  # "is", "was"
            j += 1
        negate = self.code(j) == "NOT"
        k = j + negate
        code = self.code(k)
        value: Any
        if code == "BETWEEN" and self.code(k + 1) == "NUM" and self.code(k + 2) == "AND":
            low, high = _num(self.at(k + 1)), _num(self.at(k + 3))
            if low is None or high is None:
                return 0
            op, value, end = "between", [low, high], k + 4
        elif code.startswith("CMP:") and self.code(k + 1) == "NUM":
            op, value, end = code[4:], _num(self.at(k + 1)), k + 2
            if self.code(end).startswith("CMP:") and self.code(end) in ("CMP:>=", "CMP:<="):
                end += 1  # "5 or more"
        elif code == "NUM" and self.code(k + 1) in ("CMP:>=", "CMP:<="):  # "5 or more"
            op, value, end = self.code(k + 1)[4:], _num(self.at(k)), k + 2
        else:
            return 0
        if value is None:
            return 0
        if negate:
            op = _NEGATE.get(op, op)
        self.intent.filters.append(FilterIntent(ref, op, value, self.text(start, end)))
        return end - first

    def _compare_before_column(self, i: int) -> int:
        """`3 or more parcels`, `more than 3 parcels`: the number comes first."""
        code = self.code(i)
        if code == "NUM" and self.code(i + 1) in ("CMP:>=", "CMP:<="):
            op, number, end = self.code(i + 1)[4:], self.at(i), i + 2
        elif code.startswith("CMP:") and self.code(i + 1) == "NUM":
            op, number, end = code[4:], self.at(i + 1), i + 2
        else:
            return 0
        ref = _single(self.meanings(end))
        value = _num(number)
        if ref is None or value is None or self.kind(ref) not in lexicon.NUMERIC:
            return 0
        self.intent.filters.append(FilterIntent(ref, op, value, self.text(i, end + 1)))
        return end + 1 - i

    def _compare_after_measure(self, i: int) -> int:
        """`total revenue over 1000`: the measure's column takes the comparison."""
        if not (self.code(i).startswith("CMP:") or self.code(i) == "BETWEEN"):
            return 0
        refs = [m.ref for m in self.intent.measures if m.ref is not None] + [
            r for r, _ in self.intent.mentioned
        ]
        numeric = [r for r in refs if self.kind(r) in lexicon.NUMERIC]
        if not numeric:
            return 0
        return self._compare(i, numeric[-1], i)

    def _flags(self, i: int) -> int:
        code = self.code(i)
        if code == "LIST":
            self.intent.listing = True
            return 1
        if i == 0 and self.items[i].norm[:1] == ("which",):
            self.intent.which = True
        return 0

    def _leftover(self, i: int) -> None:
        item = self.items[i]
        if item.code != "WORD" and item.code not in ("NUM", "OP", "DATE", "DATA"):
            return  # a grammar word that led nowhere ("in", "by" at the end)
        if item.norm and all(w in STOP for w in item.norm):
            if item.norm == ("which",):
                self.intent.which = True
            return
        close = self._fuzzy(item)
        if close:
            self.intent.alternatives.append(Alternative(text=item.raw, choices=close))
        elif item.code in ("NUM", "DATE") or (item.raw[:1].isupper() and i > 0) or self._slot(i):
            self.intent.unknown.append(item.raw)
        else:
            self.intent.ignored.append(item.raw)

    def _slot(self, i: int) -> bool:
        """A word where a measure or a grouping column belongs ("profit by", "by size",
        "total margin") names something the dataset lacks: asked back, not dropped."""
        before, after = self.code(i - 1), self.code(i + 1)
        return (
            before in ("GROUP", "COUNT", "DISTINCT")
            or before.startswith("AGG:")
            or after == "GROUP"
        )

    def _fuzzy(self, item: Item) -> list[Choice]:
        return fuzzy_choices(item, self.lex, self.context, self.primary)


def fuzzy_choices(
    item: Item, lex: Lexicon, context: AskContext, primary: str | None
) -> list[Choice]:
    """Names close to a word no phrase matched (difflib's ratio >= FUZZY_CUTOFF)."""
    if item.code != "WORD" or len(item.raw) < 4 or all(w in STOP for w in item.norm):
        return []
    names = {" ".join(p): p for p in lex.phrases}
    close = difflib.get_close_matches(" ".join(item.norm), list(names), n=4, cutoff=FUZZY_CUTOFF)
    choices: list[Choice] = []
    for name in close:
        for m in lex.get(names[name]):
            if m.exact and (primary is None or m.dataset == primary or m.kind == "column"):
                choice = Choice(label=build.meaning_label(m, context), value=_phrase_of(m, context))
                if choice not in choices:
                    choices.append(choice)
    return choices[:6]


_NEGATE = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!="}


def _num(item: Item | None) -> float | int | None:
    if item is None:
        return None
    value = number(item.raw)
    if value is not None and value.is_integer() and "%" not in item.raw:
        return int(value)
    return value


def _single(meanings: list[Meaning]) -> Ref | None:
    cols = [m for m in meanings if m.kind == "column"]
    return Ref(cols[0].dataset, cols[0].column) if len(cols) == 1 else None


def _phrase_of(m: Meaning, context: AskContext) -> str:
    """The words to put in the question for this meaning."""
    if m.kind == "value" or m.kind == "load_type":
        return m.value
    if m.kind == "dataset":
        return f"dataset:{m.dataset}"
    view = context.view(m.dataset)
    column = view.dataset.column(m.column) if view else None
    return column.display if column is not None else m.column
