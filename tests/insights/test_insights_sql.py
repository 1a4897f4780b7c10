"""The insights statements in all three dialects: pinned in golden files (regenerate with
`AURORA_UPDATE_GOLDEN=1`), the Oracle text parsing back, and the PostgreSQL text run on the
real server giving the plain-Python reference's numbers (tests/insights/data.py)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from backend.query.render import render
from tests.insights import data
from tests.insights.dialects import KINDS, PG_COLUMNS, trees
from tests.required import pg_connect

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AURORA_UPDATE_GOLDEN") == "1"
CASES = [(name, kind) for name, kinds in KINDS.items() for kind in kinds]
LAST_WEEKS = (dt.date(2024, 3, 18), dt.date(2024, 3, 25))


@pytest.mark.parametrize(("name", "kind"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "oracle"])
def test_statement_sql_matches_its_golden_file(name: str, kind: str, dialect: str) -> None:
    sql = render(trees(name)[kind], dialect, pretty=True) + "\n"
    path = GOLDEN / f"{name}.{kind}.{dialect}.sql"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql)
    assert sql == path.read_text()


@pytest.mark.parametrize(("name", "kind"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_oracle_text_parses_back_to_the_same_statement(name: str, kind: str) -> None:
    sql = render(trees(name)[kind], "oracle")
    again = sqlglot.parse_one(sql, read="oracle").sql("oracle", identify=True)
    assert again == sql
    assert "LIMIT" not in sql and "QUANTILE" not in sql and "DAY_OF_WEEK" not in sql


@pytest.fixture(scope="module")
def pg() -> Iterator[Any]:
    con = pg_connect(autocommit=True)
    schema = f"aurora_insights_{uuid.uuid4().hex[:10]}"
    con.execute(f'CREATE SCHEMA "{schema}"')
    con.execute(f'SET search_path TO "{schema}"')
    with con.cursor() as cur:
        cur.execute(f"CREATE TABLE daily_sales ({PG_COLUMNS})")
        rows = data.rows(data.LOAD) + data.rows(data.RESTATED)
        cur.executemany("INSERT INTO daily_sales VALUES (%s, %s, %s, %s, %s, %s)", rows)
    yield con
    con.execute(f'DROP SCHEMA "{schema}" CASCADE')
    con.close()


def _pg(pg: Any, tree: exp.Select) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = pg.execute(render(tree, "postgres")).fetchall()
    return rows


@pytest.mark.postgres
def test_postgres_anomalies_and_trend_equal_the_reference(pg: Any) -> None:
    built = trees("by_day_and_region")
    series = data.daily()
    expected = data.anomalies(series)[:3]
    got = _pg(pg, built["anomalies"])
    assert [r[0] for r in got] == [e[0] for e in expected]
    for row, want in zip(got, expected, strict=True):
        assert [float(v) for v in row[1:]] == pytest.approx(list(want[1:]), rel=1e-9)
    (trend,) = _pg(pg, built["trend"])
    slope, r2 = data.trend(series)
    assert (float(trend[0]), float(trend[2])) == pytest.approx((slope, r2), rel=1e-9)


@pytest.mark.postgres
def test_postgres_movers_equal_the_reference(pg: Any) -> None:
    got = _pg(pg, trees("by_day_and_region")["movers"])
    weeks = data.weekly_by_region()
    before, after = LAST_WEEKS
    expected = data.movers((r, weeks[(r, before)], weeks[(r, after)]) for r in data.REGIONS)
    assert [(r[0], float(r[3])) for r in got] == [(e[0], pytest.approx(e[3])) for e in expected[:3]]
    assert (got[0][5], got[0][6]) == LAST_WEEKS
    loads = _pg(pg, trees("two_loads")["movers"])
    old, new = data.by_region(data.LOAD), data.by_region(data.RESTATED)
    assert [(r[0], float(r[1]), float(r[2])) for r in loads] == [
        ("East", pytest.approx(old["East"]), pytest.approx(new["East"]))
    ]


@pytest.mark.postgres
def test_postgres_statements_keep_to_the_row_level_security_slice(pg: Any) -> None:
    north = exp.column("region").eq(exp.Literal.string("North"))
    built = trees("by_day_and_region", rls={"daily_sales": [north]})
    (trend,) = _pg(pg, built["trend"])
    slope, _ = data.trend(data.daily(lambda row: row[1] == "North"))
    assert float(trend[0]) == pytest.approx(slope, rel=1e-9)
    assert {r[0] for r in _pg(pg, built["movers"])} == {"North"}


@pytest.mark.postgres
def test_postgres_weekly_trend_equals_the_reference(pg: Any) -> None:
    (trend,) = _pg(pg, trees("by_week")["trend"])
    totals: dict[dt.date, float] = {}
    for day, value in data.daily().items():
        totals[data.week_of(day)] = totals.get(data.week_of(day), 0.0) + value
    slope, r2 = data.trend(totals)
    assert (float(trend[0]), float(trend[2])) == pytest.approx((slope, r2), rel=1e-9)
    assert trend[7] == 13  # every week of the data is whole (it ends on a Sunday)
