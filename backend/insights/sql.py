"""The statements behind the findings: sqlglot trees wrapped around a compiled spec.

Each statement reads the compiled query of an ordinary spec (its CTEs hoisted to the top, as
`backend.query.compiler.count_query` does), so vintage, row-level security and hidden columns
are already in it; what is added only reads that query's few aggregated rows. Portable to
DuckDB, PostgreSQL and Oracle: medians are `PERCENTILE_CONT(0.5) WITHIN GROUP` (grouped,
not windowed: PostgreSQL has no windowed percentile), the weekday is the day number modulo
7 (no `EXTRACT(DOW)` on Oracle), the trend is `REGR_SLOPE`/`REGR_R2`.

    WITH <spec's CTEs>, "insight_series" AS (<spec's query>),
         "insight_points" AS (SELECT d, CAST(v AS DOUBLE) AS v, <weekday or 0> AS w ...),
         "insight_weekly" AS (SELECT w, median(v) AS base ... GROUP BY w),
         "insight_residuals" AS (... v - base AS r),
         "insight_center" AS (SELECT median(r) AS mid, COUNT(*) AS n ...),
         "insight_spread" AS (SELECT median(ABS(r - mid)) AS mad ...)
    SELECT d, v, base + mid AS expected, (r - mid) / (1.4826 * mad) AS z ... WHERE ABS(z) > t
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from backend.query.buckets import bucket_expr

#: MAD times this estimates the standard deviation of normally distributed data.
MAD_SCALE = 1.4826
#: A Monday long ago: the day number from it modulo 7 is the weekday (0 = Monday).
EPOCH = "1900-01-01"
#: Fewer points than this give no anomalies (a median of a handful says little).
MIN_POINTS = 8

DOUBLE = exp.DataType.build("DOUBLE")
Rank = Callable[[exp.Expr], exp.Expr]


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(exp.to_identifier(name), table=exp.to_identifier(table) if table else None)


def num(value: float | int) -> exp.Expr:
    return exp.Literal.number(repr(value) if isinstance(value, float) else value)


def median(value: exp.Expr) -> exp.Expr:
    order = exp.Order(expressions=[exp.Ordered(this=value, nulls_first=False)])
    return exp.WithinGroup(this=exp.PercentileCont(this=num(0.5)), expression=order)


def day_number(date: exp.Expr) -> exp.Expr:
    """Days since EPOCH: a DATE minus a DATE is a number of days on all three databases."""
    return exp.Paren(this=exp.Sub(this=date, expression=_epoch()))


def _epoch() -> exp.Expr:
    return exp.DateStrToDate(this=exp.Literal.string(EPOCH))


def _cte(name: str, select: exp.Select) -> exp.CTE:
    return exp.CTE(this=select, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _table(name: str, alias: str | None = None) -> exp.Table:
    return exp.table_(name, alias=alias)


def _hoisted(compiled: exp.Select, name: str) -> list[exp.CTE]:
    """The compiled query's CTEs, then the query itself (unordered) as CTE `name`."""
    inner = compiled.copy()
    found: Any = inner.args.get("with_")
    inner.set("with_", None)
    inner.set("order", None)
    return [*(found.expressions if found is not None else []), _cte(name, inner)]


def _finish(select: exp.Select, ctes: list[exp.CTE]) -> exp.Select:
    select.set("with_", exp.With(expressions=ctes))
    return select


def _desc(value: exp.Expr) -> exp.Ordered:
    return exp.Ordered(this=value, desc=True, nulls_first=False)


def _asc(value: exp.Expr) -> exp.Ordered:
    return exp.Ordered(this=value, desc=False, nulls_first=False)


def anomalies(
    series: exp.Select,
    date: str,
    value: str,
    *,
    weekly: bool,
    threshold: float,
    top: int,
    partial: tuple[str, str] | None = None,
) -> exp.Select:
    """The points of `series` (one row per period: `date`, `value`) whose robust z-score of
    the residual after the weekday's median (`weekly`; else the overall median) is above
    `threshold`: `d`, `v`, `expected`, `z`, largest |z| first. `partial` as in `movers`: a
    latest period still under way is left out (a month of ten days is not an anomaly).

    >>> from sqlglot import parse_one
    >>> q = anomalies(parse_one("SELECT d, v FROM t"), "d", "v", weekly=True, threshold=3.5,
    ...               top=3)
    >>> "PERCENTILE_CONT(0.5) WITHIN GROUP" in q.sql("postgres")
    True
    """
    weekday = exp.Mod(this=day_number(col(date, "s")), expression=num(7))
    points = exp.select(
        col(date, "s").as_("d"),
        exp.cast(col(value, "s"), DOUBLE).as_("v"),
        (weekday if weekly else num(0)).as_("w"),
    ).from_(_table("insight_series", "s"))
    final = (
        exp.select(col("d"), col("v"), col("expected"), col("z"))
        .from_(_table("insight_scored"))
        .where(exp.Abs(this=col("z")) > num(float(threshold)))
        .order_by(_desc(exp.Abs(this=col("z"))), _asc(col("d")))
        .limit(top)
    )
    ctes = [
        *_hoisted(series, "insight_series"),
        *_bounds_cte(partial, "insight_series"),
        _cte("insight_points", _whole(points, date, value, partial)),
        *_robust_scores(),
    ]
    return _finish(final, ctes)


def _robust_scores() -> list[exp.CTE]:
    """From `insight_points` (d, v, w): each weekday's median (`insight_weekly`), the
    residuals (`insight_residuals`), their median and count (`insight_center`), their MAD
    (`insight_spread`) and each point's robust z-score (`insight_scored`)."""
    weekly_base = (
        exp.select(col("w"), median(col("v")).as_("base"))
        .from_(_table("insight_points"))
        .group_by(col("w"))
    )
    residuals = (
        exp.select(
            col("d", "p"),
            col("v", "p"),
            col("base", "b"),
            exp.Sub(this=col("v", "p"), expression=col("base", "b")).as_("r"),
        )
        .from_(_table("insight_points", "p"))
        .join(_table("insight_weekly", "b"), on=col("w", "p").eq(col("w", "b")))
    )
    center = exp.select(median(col("r")).as_("mid"), exp.Count(this=exp.Star()).as_("n")).from_(
        _table("insight_residuals")
    )
    deviation = exp.Abs(this=exp.Sub(this=col("r", "r"), expression=col("mid", "c")))
    spread = (
        exp.select(median(deviation).as_("mad"))
        .from_(_table("insight_residuals", "r"))
        .join(_table("insight_center", "c"), join_type="cross")
    )
    return [
        _cte("insight_weekly", weekly_base),
        _cte("insight_residuals", residuals),
        _cte("insight_center", center),
        _cte("insight_spread", spread),
        _cte("insight_scored", _scored()),
    ]


def _scored() -> exp.Select:
    """Each residual's robust z-score, (r - median) / (1.4826 * MAD), and its expected value
    (its weekday's median plus the median residual); none when the MAD is 0 or the points
    are fewer than MIN_POINTS."""
    z = exp.Div(
        this=exp.Paren(this=exp.Sub(this=col("r", "r"), expression=col("mid", "c"))),
        expression=exp.Paren(this=exp.Mul(this=num(MAD_SCALE), expression=col("mad", "m"))),
    )
    return (
        exp.select(
            col("d", "r"),
            col("v", "r"),
            exp.Add(this=col("base", "r"), expression=col("mid", "c")).as_("expected"),
            z.as_("z"),
        )
        .from_(_table("insight_residuals", "r"))
        .join(_table("insight_center", "c"), join_type="cross")
        .join(_table("insight_spread", "m"), join_type="cross")
        .where(exp.and_(col("mad", "m") > num(0), col("n", "c") >= num(MIN_POINTS)))
    )


def trend(
    series: exp.Select, date: str, value: str, *, partial: tuple[str, str] | None = None
) -> exp.Select:
    """One row: the least-squares line of `value` over `date` in days (`slope` per day,
    `intercept` at EPOCH), `r2` (the share of the variation it explains), the first and last
    day numbers and dates, and the number of points; without a latest period still under
    way (`partial`, as in `movers`).

    >>> from sqlglot import parse_one
    >>> "REGR_R2" in trend(parse_one("SELECT d, v FROM t"), "d", "v").sql("oracle")
    True
    """
    points = exp.select(
        col(date, "s").as_("d"),
        exp.cast(day_number(col(date, "s")), DOUBLE).as_("x"),
        exp.cast(col(value, "s"), DOUBLE).as_("y"),
    ).from_(_table("insight_series", "s"))
    points = _whole(points, date, value, partial)
    x, y = col("x"), col("y")
    final = exp.select(
        exp.RegrSlope(this=y, expression=x).as_("slope"),
        exp.RegrIntercept(this=y.copy(), expression=x.copy()).as_("intercept"),
        exp.RegrR2(this=y.copy(), expression=x.copy()).as_("r2"),
        exp.Min(this=x.copy()).as_("x0"),
        exp.Max(this=x.copy()).as_("x1"),
        exp.Min(this=col("d")).as_("d0"),
        exp.Max(this=col("d")).as_("d1"),
        exp.Count(this=exp.Star()).as_("n"),
    ).from_(_table("insight_points"))
    ctes = [
        *_hoisted(series, "insight_series"),
        *_bounds_cte(partial, "insight_series"),
        _cte("insight_points", points),
    ]
    return _finish(final, ctes)


def latest_two(key: exp.Expr) -> exp.Expr:
    """1 for the rows of the latest `key`, 2 for the one before, ... (a window)."""
    return exp.Window(this=exp.DenseRank(), order=exp.Order(expressions=[_desc(key)]))


def movers(
    grouped: exp.Select,
    groups: list[str],
    key: str,
    value: str,
    *,
    rank: Rank,
    additive: bool,
    top: int,
    partial: tuple[str, str] | None = None,
) -> exp.Select:
    """The `groups` whose `value` changed most between slice 2 (before) and slice 1 (after)
    of `grouped` (one row per group and `key`), `rank` telling each row's slice: the groups,
    `before`, `after`, `change`, `relative` (to |before|), `k_before`, `k_after` (the two
    keys), largest |change| first. A group missing in one slice counts as 0 when the measure
    adds up (`additive`), else it is left out. `partial` = (a column of `grouped` holding the
    last day of data, the grain of `key`): a latest period that does not end with the data
    (a week still under way) is skipped, so two whole periods are compared.

    >>> from sqlglot import parse_one
    >>> q = movers(parse_one("SELECT g, m, v FROM t"), ["g"], "m", "v", rank=latest_two,
    ...            additive=True, top=3)
    >>> "DENSE_RANK() OVER (ORDER BY" in q.sql("duckdb")
    True
    """
    keep = [col(g, "s").as_(f"g{i}") for i, g in enumerate(groups)]
    ranked = (
        exp.select(
            *keep,
            col(key, "s").as_("k"),
            exp.cast(col(value, "s"), DOUBLE).as_("v"),
            _slice(rank(col(key, "s")), partial).as_("slice"),
        )
        .from_(_table("insight_grouped", "s"))
        .where(col(key, "s").is_(exp.null()).not_())
    )
    if partial is not None:
        ranked = ranked.join(_table("insight_bounds", "b"), join_type="cross")
    names = [col(f"g{i}") for i in range(len(groups))]
    final = (
        exp.select(
            *[n.copy() for n in names],
            *(col(c) for c in ("before", "after", "change", "relative", "k_before", "k_after")),
        )
        .from_(_table("insight_moves"))
        .where(exp.and_(col("change").is_(exp.null()).not_(), col("change").neq(num(0))))
        .order_by(_desc(exp.Abs(this=col("change"))), *[_asc(n.copy()) for n in names])
        .limit(top)
    )
    ctes = [
        *_hoisted(grouped, "insight_grouped"),
        *_bounds_cte(partial, "insight_grouped"),
        _cte("insight_ranked", ranked),
        *_paired(names),
        _cte("insight_moves", _moves(len(names), additive=additive)),
    ]
    return _finish(final, ctes)


def _pick(what: str, slice_no: int) -> exp.Expr:
    case = exp.Case().when(col("slice").eq(num(slice_no)), col(what))
    return exp.Max(this=case)


def _paired(names: list[exp.Column]) -> list[exp.CTE]:
    """Per group its value in slice 2 and 1 (`insight_paired`), and the two slices' keys
    (`insight_keys`)."""
    paired = (
        exp.select(*names, _pick("v", 2).as_("before"), _pick("v", 1).as_("after"))
        .from_(_table("insight_ranked"))
        .where(exp.and_(col("slice") >= num(1), col("slice") <= num(2)))
        .group_by(*[n.copy() for n in names])
    )
    keys = exp.select(_pick("k", 2).as_("k_before"), _pick("k", 1).as_("k_after")).from_(
        _table("insight_ranked")
    )
    return [_cte("insight_paired", paired), _cte("insight_keys", keys)]


def _moves(groups: int, *, additive: bool) -> exp.Select:
    """Each group's change and change relative to |before|; a missing side is 0 when the
    measure adds up."""
    before, after = col("before", "p"), col("after", "p")
    before_v: exp.Expr
    after_v: exp.Expr
    if additive:
        before_v = exp.Coalesce(this=before, expressions=[num(0)])
        after_v = exp.Coalesce(this=after, expressions=[num(0)])
    else:
        before_v, after_v = before, after
    change = exp.Sub(this=after_v, expression=before_v)
    relative = exp.Div(
        this=exp.Paren(this=change.copy()),
        expression=exp.Nullif(this=exp.Abs(this=before.copy()), expression=num(0)),
    )
    return (
        exp.select(
            *[col(f"g{i}", "p") for i in range(groups)],
            before.copy(),
            after.copy(),
            change.as_("change"),
            relative.as_("relative"),
            col("k_before", "k"),
            col("k_after", "k"),
        )
        .from_(_table("insight_paired", "p"))
        .join(_table("insight_keys", "k"), join_type="cross")
    )


def _bounds_cte(partial: tuple[str, str] | None, source: str) -> list[exp.CTE]:
    """`insight_bounds`: the last day of data (`l`), when periods must be whole."""
    if partial is None:
        return []
    last = exp.cast(exp.Max(this=col(partial[0], "s")), exp.DataType.build("DATE"))
    return [_cte("insight_bounds", exp.select(last.as_("l")).from_(_table(source, "s")))]


def _under_way(grain: str) -> exp.Expr:
    """Whether the latest period is still under way: the day after the last day of data
    falls in the same period (the compiler's own bucket, so every dialect)."""
    last = col("l", "b")
    after = exp.Add(this=last.copy(), expression=num(1))
    return bucket_expr(after, grain).eq(bucket_expr(last, grain))


def _slice(rank: exp.Expr, partial: tuple[str, str] | None) -> exp.Expr:
    """`rank`, one less when the latest period is still under way."""
    if partial is None:
        return rank
    under_way = exp.Case(default=num(0)).when(_under_way(partial[1]), num(1))
    return exp.Sub(this=rank, expression=under_way)


def _whole(
    points: exp.Select, date: str, value: str, partial: tuple[str, str] | None
) -> exp.Select:
    """The series' points with a date and a value, the latest period left out while it is
    still under way."""
    known = exp.and_(col(date, "s").is_(exp.null()).not_(), col(value, "s").is_(exp.null()).not_())
    if partial is None:
        return points.where(known)
    latest = col(date, "s").eq(bucket_expr(col("l", "b"), partial[1]))
    running = exp.Paren(this=exp.and_(latest, _under_way(partial[1])))
    joined = points.join(_table("insight_bounds", "b"), join_type="cross")
    return joined.where(exp.and_(known, running.not_()))
