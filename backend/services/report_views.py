"""How a saved report is shown: its `kind` and the `chart` settings that go with it.

A report's `spec` is always a plain query. `kind` says what the report opens as:
`table` (the grid), `chart` (the grid with its chart drawn) or `pivot` (the pivot view).
`chart` holds the view's settings, checked against the spec so a saved report never
names a column its query does not produce:

- a chart (`kind` bar/line/area/pie/kpi): `x` and `series` are group-by columns of the
  spec, `y` one of its measures; a table report may keep one too (shown closed);
- a pivot (`kind: "pivot"`): `columns` are the group-by columns laid out across; the other
  group-by columns are its rows and the spec's measures its values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from backend.errors import InvalidQuery
from backend.query.spec import Agg, Name, QuerySpec

ReportKind = Literal["table", "chart", "pivot"]
MAX_CHART_LIMIT = 200
PIVOT_AGGS = frozenset({Agg.SUM, Agg.AVG, Agg.MIN, Agg.MAX, Agg.COUNT})


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChartView(_View):
    """A chart over the report's aggregation."""

    kind: Literal["bar", "line", "area", "pie", "kpi"]
    x: Name | None = None
    y: Name | None = None
    series: Name | None = None
    stack: Literal["stacked", "grouped"] = "stacked"
    limit: Annotated[int, Field(ge=1, le=MAX_CHART_LIMIT)] = 20


class PivotView(_View):
    """A cross-tab: which of the spec's group-by columns run across."""

    kind: Literal["pivot"]
    columns: Annotated[list[Name], Field(max_length=10)] = []


View = Annotated[ChartView | PivotView, Field(discriminator="kind")]
_STORED: TypeAdapter[ChartView | PivotView] = TypeAdapter(View)


def stored_kind(value: str | None) -> ReportKind:
    return "chart" if value == "chart" else "pivot" if value == "pivot" else "table"


def stored(value: Any) -> ChartView | PivotView | None:
    """The settings as kept in the store; anything unreadable reads as none."""
    if not value:
        return None
    try:
        return _STORED.validate_python(value)
    except ValidationError:
        return None


def check(kind: ReportKind, view: ChartView | PivotView | None, spec: QuerySpec) -> None:
    """Refuse settings that do not fit the report's kind or name what the spec lacks."""
    if kind == "pivot":
        if not isinstance(view, PivotView):
            raise InvalidQuery("a pivot report needs chart settings of kind 'pivot'", path="chart")
        _check_pivot(view, spec)
        return
    if isinstance(view, PivotView):
        raise InvalidQuery(f"a {kind} report cannot hold pivot settings", path="chart.kind")
    if view is None:
        if kind == "chart":
            raise InvalidQuery("a chart report needs its chart settings", path="chart")
        return
    _check_chart(view, spec)


def _check_chart(view: ChartView, spec: QuerySpec) -> None:
    if not spec.measures:
        raise InvalidQuery("a chart draws a measure: the spec has none", path="spec.measures")
    groups, aliases = set(spec.group_names), {m.alias for m in spec.measures}
    for field in ("x", "series"):
        name = getattr(view, field)
        if name is not None and name not in groups:
            raise InvalidQuery(
                f"chart.{field} '{name}' is not a group-by column of the spec",
                path=f"chart.{field}",
            )
    if view.series is not None and view.series == view.x:
        raise InvalidQuery("chart.series must differ from chart.x", path="chart.series")
    if view.y is not None and view.y not in aliases:
        raise InvalidQuery(f"chart.y '{view.y}' is not a measure alias of the spec", path="chart.y")


def _check_pivot(view: PivotView, spec: QuerySpec) -> None:
    groups = set(spec.group_names)
    if not groups:
        raise InvalidQuery("a pivot needs a row or a column to group by", path="spec.group_by")
    if len(set(view.columns)) != len(view.columns):
        raise InvalidQuery("chart.columns names a column twice", path="chart.columns")
    for i, name in enumerate(view.columns):
        if name not in groups:
            raise InvalidQuery(
                f"pivot column '{name}' is not a group-by column of the spec",
                path=f"chart.columns[{i}]",
            )
    if not spec.measures:
        raise InvalidQuery("a pivot needs at least one measure", path="spec.measures")
    for i, m in enumerate(spec.measures):
        if m.agg not in PIVOT_AGGS or m.expr is not None or m.where is not None:
            raise InvalidQuery(
                "a pivot aggregates a column with sum, avg, min, max or count",
                path=f"spec.measures[{i}]",
            )
