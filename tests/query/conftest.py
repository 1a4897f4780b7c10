"""A tiny in-memory DuckDB warehouse whose tables are named like the catalog's relations.

Small on purpose, but with the awkward cases: NULLs in keys and values, sales whose employee
or product is unknown, employees and products with no sales, text with quotes, `%`, `_`,
backslashes and unicode.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

REGIONS = ["North", "South", "East", "West", None]
CHANNELS = ["Web", "Store", "50%_off", "O'Brien's", None]
DEPARTMENTS = ["Toys", "Books", "Garden", None]

SALES_DDL = """CREATE TABLE global_sales (
    order_id BIGINT, order_date DATE, created_at TIMESTAMP, region VARCHAR, country VARCHAR,
    department VARCHAR, channel VARCHAR, product_id BIGINT, employee_id BIGINT,
    quantity INTEGER, unit_price DECIMAL(18,2), discount DOUBLE, revenue DECIMAL(18,2),
    cost DECIMAL(18,2), is_return BOOLEAN, currency VARCHAR, load_type VARCHAR, load_id BIGINT)"""

ROSTER_DDL = """CREATE TABLE employee_roster (employee_id BIGINT, name VARCHAR,
    department VARCHAR, region VARCHAR, manager_id BIGINT, hire_date DATE)"""

PRODUCTS_DDL = """CREATE TABLE products (product_id BIGINT, product_name VARCHAR,
    category VARCHAR, subcategory VARCHAR, list_price DECIMAL(18,2))"""


def sales_rows(n: int = 120) -> list[tuple[object, ...]]:
    rng = random.Random(20240131)
    rows = []
    for i in range(1, n + 1):
        quantity = rng.choice([1, 2, 3, 5, 8, None])
        price = Decimal(rng.randint(100, 9999)) / 100
        revenue = None if quantity is None else price * quantity
        rows.append(
            (
                i,
                dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 700)),
                dt.datetime(2024, 1, 1, 0, 0) + dt.timedelta(minutes=rng.randint(0, 90_000)),
                rng.choice(REGIONS),
                rng.choice(["DE", "FR", "Ísland", "日本"]),
                rng.choice(DEPARTMENTS),
                rng.choice(CHANNELS),
                rng.choice([*range(1, 9), None, 99]),
                rng.choice([*range(1, 11), None, 77]),
                quantity,
                price,
                rng.choice([0.0, 0.05, 0.1, 0.25, None]),
                revenue,
                None if revenue is None else (revenue * Decimal("0.6")).quantize(Decimal("0.01")),
                rng.choice([True, False, None]),
                "EUR",
                rng.choice(["DAILY", "MONTH_END", "RESTATEMENT"]),
                rng.choice([202401, 202402, 202403]),
            )
        )
    return rows


ROSTER_ROWS = [
    (1, "Ann", "Toys", "North", None, dt.date(2015, 3, 1)),
    (2, "Bob", "Books", "South", 1, dt.date(2016, 4, 2)),
    (3, "Cé_cile", "Garden", "East", 1, dt.date(2017, 5, 3)),
    (4, "D'Arcy", "Toys", "West", 2, dt.date(2018, 6, 4)),
    (5, "Eve 100%", "Books", None, 2, dt.date(2019, 7, 5)),
    (6, "Fay", None, "North", 3, None),
    (7, "Gus\\", "Toys", "South", 3, dt.date(2021, 9, 7)),
    (8, "Hal", "Garden", "East", 4, dt.date(2022, 10, 8)),
    (11, "Ivy (no sales)", "Books", "West", 1, dt.date(2023, 1, 1)),
    (12, "Jon (no sales)", None, None, None, dt.date(2023, 2, 2)),
]

PRODUCT_ROWS = [
    (1, "Widget", "Hardware", "Small", Decimal("9.99")),
    (2, "Gadget", "Hardware", "Large", Decimal("19.50")),
    (3, "Doohickey", "Hardware", None, Decimal("5.00")),
    (4, "Book A", "Media", "Paper", Decimal("12.00")),
    (5, "Book B", "Media", "Paper", None),
    (6, "Seeds", "Garden", "Small", Decimal("2.25")),
    (7, "Hose", "Garden", "Large", Decimal("30.00")),
    (8, "Mystery", None, None, Decimal("1.00")),
    (20, "Unsold", "Media", "Digital", Decimal("3.00")),
]


def build_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SALES_DDL)
    con.executemany(f"INSERT INTO global_sales VALUES ({', '.join(['?'] * 18)})", sales_rows())
    con.execute(ROSTER_DDL)
    con.executemany("INSERT INTO employee_roster VALUES (?, ?, ?, ?, ?, ?)", ROSTER_ROWS)
    con.execute(PRODUCTS_DDL)
    con.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?)", PRODUCT_ROWS)
    return con


@pytest.fixture(scope="session")
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    con = build_warehouse()
    yield con
    con.close()
