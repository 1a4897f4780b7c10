"""The SELECT that generates `global_sales`, one row per row number `i`.

Row `i` depends on `i` and the seed only, so the table can be written in chunks of rows
and still come out the same. Each row belongs to one load; its order date lies between
the first data day and that load's date, with orders growing over time and fewer at
weekends. `unit_price`, `revenue` and `cost` are in US dollars, so sums across countries
mean something; `currency` is the country's billing currency and `revenue_local` the revenue
in it, at the demo's fixed rates (`FX_PER_USD`), rounded to the currency's minor unit.
"""

from __future__ import annotations

from backend.demo import constants as c
from backend.demo.sql import Sql, date_sql, draw, pick_index, sql_list
from backend.demo.tables import FIRST_STAFF, employee_rows_sql, product_rows_sql

#: Sales columns in order, with their types; `load_type` and `load_id` become hive
#: partition folders.
SALES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("order_id", "BIGINT"),
    ("order_date", "DATE"),
    ("region", "VARCHAR"),
    ("country", "VARCHAR"),
    ("department", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("product_id", "BIGINT"),
    ("employee_id", "BIGINT"),
    ("quantity", "INTEGER"),
    ("unit_price", "DECIMAL(12,2)"),
    ("discount", "DECIMAL(5,4)"),
    ("revenue", "DECIMAL(18,2)"),
    ("cost", "DECIMAL(18,2)"),
    ("currency", "VARCHAR"),
    ("revenue_local", "DECIMAL(18,2)"),
    ("load_type", "VARCHAR"),
    ("load_id", "INTEGER"),
)

_SALT_NAMES = (
    "u_load", "u_date", "u_weekend", "u_seller", "u_country", "u_channel",
    "u_product", "u_qty", "u_price", "u_no_discount", "u_discount", "u_cost",
)  # fmt: skip


def _loads() -> list[tuple[str, int, int, int]]:
    """(load_type, load_id, days from the first data day to the load inclusive, weight)."""
    shares = dict(c.LOAD_TYPE_SHARES)
    loads = []
    for load_type, days in c.load_dates().items():
        weight = shares[load_type] * 10 // len(days)
        for day in days:
            span = (day - c.FIRST_DATE).days + 1
            loads.append((load_type, c.load_id(day), span, weight))
    return loads


def row_range(start: int, stop: int) -> str:
    """The default row source of `global_sales_sql`: rows `start` to `stop` (exclusive)."""
    return f"range({start}, {stop}) AS t(i)"


def _draws_sql(seed: int, rows_from: str) -> str:
    loads = _loads()
    draws = ", ".join(f"{draw('i', n, seed)} AS {name}" for n, name in enumerate(_SALT_NAMES))
    return f"""
SELECT *, {pick_index("u_load", [w for *_, w in loads])} AS load_ix
FROM (SELECT i, {draws} FROM {rows_from})"""


def _dated_sql() -> str:
    """Order dates: density rising linearly to twice the start (inverse CDF of 1 + x), and
    70% of weekend orders moved to a weekday of the same week (never before the first
    data day; the weekdays precede the weekend, so never after the load either)."""
    spans = sql_list(span for _, _, span, _ in _loads())
    first = date_sql(c.FIRST_DATE)
    raw = f"{first} + floor({spans}[load_ix] * (sqrt(1 + 3 * u_date) - 1))::INTEGER"
    weekday = "raw_date - (isodow(raw_date) - 1)::INTEGER + floor(u_weekend / 0.7 * 5)::INTEGER"
    return f"""
SELECT *, CASE WHEN isodow(raw_date) >= 6 AND u_weekend < 0.7
        THEN greatest({weekday}, {first})
        ELSE raw_date END AS order_date
FROM (SELECT *, {raw} AS raw_date FROM draws)"""


def _country_slots_sql() -> str:
    """Per region (1-based, in REGIONS order) a list of 1-based COUNTRIES indexes by weight."""
    per_region = []
    for region, _ in c.REGIONS:
        slots = [
            index
            for index, country in enumerate(c.COUNTRIES, start=1)
            if country.region == region
            for _ in range(country.weight)
        ]
        per_region.append(sql_list(slots))
    return sql_list(per_region)


def _sold_sql() -> str:
    """Join each draw to its seller and product; pick the country in the seller's region."""
    n_depts = len(c.DEPARTMENTS)
    slots = _country_slots_sql()
    staff = c.EMPLOYEE_COUNT - FIRST_STAFF
    return f"""
SELECT d.*, e.employee_id, e.cell, p.product_id, p.list_price::DOUBLE AS list_price,
    p.cost_ratio,
    {slots}[e.cell // {n_depts} + 1][1 + floor(d.u_country * 100)::INTEGER] AS country_ix
FROM dated AS d
JOIN employees AS e
    ON e.k = {FIRST_STAFF} + floor(power(d.u_seller, 1.2) * {staff})::BIGINT
JOIN products AS p ON p.k = floor(power(d.u_product, 2) * {c.PRODUCT_COUNT})::BIGINT"""


def _priced_sql() -> str:
    """Quantities fall with price; prices jitter 5% around list (US dollars); 45% of orders
    have no discount, the rest up to 30% in steps of 0.5%."""
    return """
SELECT *,
    (1 + floor(power(u_qty, 1 + log10(list_price)) * 50))::INTEGER AS quantity,
    round(list_price * (0.95 + 0.1 * u_price), 2)::DECIMAL(12,2) AS unit_price,
    (CASE WHEN u_no_discount < 0.45 THEN 0
        ELSE round(0.30 * power(u_discount, 1.5) * 200) / 200 END)::DECIMAL(5,4) AS discount,
    list_price * cost_ratio * (0.97 + 0.06 * u_cost) AS unit_cost
FROM sold"""


def _local_sql() -> str:
    """The revenue in the country's billing currency, in exact decimals: whole yen, cents
    otherwise (ROUND takes a constant number of places, hence the CASE)."""
    rate = f"{sql_list(c.FX_PER_USD[country.currency] for country in c.COUNTRIES)}[country_ix]"
    whole = sql_list(Sql(str(country.currency == "JPY")) for country in c.COUNTRIES)
    return f"""(CASE WHEN {whole}[country_ix] THEN round(revenue * {rate}, 0)
        ELSE round(revenue * {rate}, 2) END)::DECIMAL(18,2)"""


def global_sales_sql(seed: int, rows_from: str) -> str:
    """`global_sales` rows, columns SALES_COLUMNS, one per value of column `i` in
    `rows_from`: `row_range(start, stop)` or a table of row numbers. (DuckDB runs `range()`
    on one thread; a table of row numbers lets the generation use every core.)"""
    loads = _loads()
    n_depts = len(c.DEPARTMENTS)
    return f"""
WITH employees AS ({employee_rows_sql(seed)}),
products AS ({product_rows_sql(seed)}),
draws AS ({_draws_sql(seed, rows_from)}),
dated AS ({_dated_sql()}),
sold AS ({_sold_sql()}),
priced AS ({_priced_sql()}),
valued AS (SELECT *, round(quantity * unit_price * (1 - discount), 2)::DECIMAL(18,2) AS revenue
    FROM priced)
SELECT ({c.FIRST_ORDER_ID} + i)::BIGINT AS order_id,
    order_date::DATE AS order_date,
    {sql_list(n for n, _ in c.REGIONS)}[cell // {n_depts} + 1] AS region,
    {sql_list(country.name for country in c.COUNTRIES)}[country_ix] AS country,
    {sql_list(n for n, _ in c.DEPARTMENTS)}[cell % {n_depts} + 1] AS department,
    {sql_list(n for n, _ in c.CHANNELS)}[{pick_index("u_channel", [w for _, w in c.CHANNELS])}]
        AS channel,
    product_id::BIGINT AS product_id,
    employee_id::BIGINT AS employee_id,
    quantity,
    unit_price,
    discount,
    revenue,
    round(quantity * unit_cost, 2)::DECIMAL(18,2) AS cost,
    {sql_list(country.currency for country in c.COUNTRIES)}[country_ix] AS currency,
    {_local_sql()} AS revenue_local,
    {sql_list(t for t, *_ in loads)}[load_ix] AS load_type,
    {sql_list(i for _, i, *_ in loads)}[load_ix]::INTEGER AS load_id
FROM valued"""
