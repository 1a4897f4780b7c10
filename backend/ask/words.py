"""The parser's own vocabulary: structural words, measure words, time and vintage words.
Each phrase (normalized as `backend.ask.text.phrase` does) maps to a code."""

from __future__ import annotations

from backend.ask.text import phrase

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "GROUP": (
        "by", "per", "for each", "for every", "broken down by", "break down by", "split by",
        "grouped by", "group by", "by each", "across",
    ),
    "SORT": ("sorted by", "sort by", "ordered by", "ranked by"),
    "AGG:sum": ("total", "sum", "sum of", "total of", "how much", "overall"),
    "AGG:avg": ("average", "avg", "mean", "average of", "mean of"),
    "AGG:min": ("min", "minimum", "min of", "minimum of"),
    "AGG:max": ("max", "maximum", "max of", "maximum of"),
    "COUNT": ("how many", "number of", "count", "count of", "no of"),
    "DISTINCT": ("distinct", "unique", "different"),
    "TOP": ("top", "first", "best"),
    "BOTTOM": ("bottom", "worst"),
    "HIGH": ("highest", "largest", "biggest", "most", "greatest"),
    "LOW": ("lowest", "smallest", "least", "fewest"),
    "DESC": ("highest first", "largest first", "biggest first", "descending", "desc",
             "high to low", "most first"),
    "ASC": ("lowest first", "smallest first", "ascending", "asc", "low to high", "least first"),
    "CMP:>": ("over", "above", "more than", "greater than", "higher than", "exceeding", ">",
              "bigger than", "larger than"),
    "CMP:>=": ("at least", ">=", "no less than", "or more"),
    "CMP:<": ("under", "below", "less than", "lower than", "fewer than", "<", "smaller than"),
    "CMP:<=": ("at most", "<=", "no more than", "or less", "up to"),
    "CMP:=": ("equal to", "equals", "exactly", "=", "is equal to"),
    "NOT": ("not", "except", "other than", "excluding", "exclude", "without", "but not",
            "apart from", "isn t", "is not", "aren t", "!=", "<>", "outside of", "not in"),
    "BETWEEN": ("between",),
    "AND": ("and", "&"),
    "OR": ("or",),
    "T:in": ("in", "during", "for", "on", "within", "of"),
    "T:since": ("since", "from", "starting", "starting from", "beginning"),
    "T:after": ("after",),
    "T:before": ("before", "prior to"),
    "T:until": ("until", "till", "through", "to", "up until", "thru"),
    "T:last": ("last", "past", "previous", "prior", "preceding"),
    "T:this": ("this", "current", "the current"),
    "T:yesterday": ("yesterday",),
    "T:today": ("today",),
    "T:ytd": ("ytd", "year to date"),
    "P:day": ("day",),
    "P:week": ("week",),
    "P:month": ("month",),
    "P:quarter": ("quarter",),
    "P:year": ("year",),
    "B:day": ("by day", "daily breakdown", "per day", "each day", "day by day"),
    "B:week": ("weekly", "by week", "per week", "each week", "week by week"),
    "B:month": ("monthly", "by month", "per month", "each month", "month by month"),
    "B:quarter": ("quarterly", "by quarter", "per quarter", "each quarter"),
    "B:year": ("yearly", "annually", "annual", "by year", "per year", "each year"),
    "V:latest": ("latest", "newest", "most recent", "latest load", "current load",
                 "latest snapshot", "last load"),
    "V:all": ("all loads", "every load", "all snapshots", "all vintages", "across loads"),
    "V:load": ("load", "load id", "snapshot", "vintage", "as of load", "as of"),
    "LIST": ("list", "rows", "row", "record", "records", "detail", "details", "raw"),
    "WRITE": ("delete", "drop", "update", "insert", "truncate", "alter", "grant", "revoke",
              "create", "remove", "modify", "exec", "execute", "merge", "replace", "erase",
              "wipe", "overwrite"),
    "SQL": ("select", "union", "join on", "where clause", "sql"),
}  # fmt: skip

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_ABBREV = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}

#: Words that carry no meaning of their own here; never reported as ignored.
STOP = frozenset(
    phrase(
        "show me the a an what what's is are was were which who give list display get find please "
        "i want to see with at as it its their our my we you do did does have has had there how "
        "much many tell about whose where that than be been all data report value figure "
        "number numbers can could would should will let us know compare versus vs look "
        "each every any some so just also only break down up out into on s t "
        "when while then"
    )
)

#: Plain words for "rows of the dataset" after a count word: "how many orders".
ROW_NOUNS = frozenset(phrase("row record entry line transaction item sale order event"))


def _table() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for code, phrases in _KEYWORDS.items():
        for p in phrases:
            table.setdefault(phrase(p), code)
    for i, month in enumerate(MONTHS):
        table[phrase(month)] = f"M:{i + 1}"
    for abbrev, n in _MONTH_ABBREV.items():
        table.setdefault((abbrev,), f"M:{n}")
    for q in range(1, 5):
        table[(f"q{q}",)] = f"Q:{q}"
    return table


KEYWORDS = _table()
MAX_KEYWORD = max(len(p) for p in KEYWORDS)

#: Words that are structure whenever they could be: data never takes them from the grammar.
STRUCTURAL = frozenset(
    {"GROUP", "SORT", "TOP", "BOTTOM", "CMP:>", "CMP:>=", "CMP:<", "CMP:<=", "NOT", "BETWEEN",
     "AND", "OR", "T:in", "T:since", "T:last", "T:this", "WRITE", "SQL", "COUNT", "DISTINCT"}
)  # fmt: skip
