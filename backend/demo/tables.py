"""One function per demo table, each returning the SELECT that generates it.

The sales rows join the same product and employee rows that `products` and
`employee_roster` publish, so every product_id and employee_id exists, a sale's region
and department are its seller's, and its country lies in that region.
"""

from __future__ import annotations

import datetime as dt

from backend.demo import constants as c
from backend.demo.sql import date_sql, draw, pick_index, sql_list

_N_DEPTS = len(c.DEPARTMENTS)
HEADS = len(c.REGIONS) * _N_DEPTS  # one head per region and department (a "cell")
MANAGERS_PER_CELL = 9
FIRST_STAFF = HEADS * (1 + MANAGERS_PER_CELL)
_STAFF = c.EMPLOYEE_COUNT - FIRST_STAFF
_LAUNCH_FIRST, _LAUNCH_LAST = dt.date(2015, 1, 1), dt.date(2024, 6, 30)
_STAFF_HIRED_BY = c.FIRST_DATE - dt.timedelta(days=1)  # sellers never sell before hire


def _span(first: dt.date, last: dt.date) -> int:
    return (last - first).days + 1


def product_rows_sql(seed: int) -> str:
    """Products with helper columns (`k`, `s` subcategory index, `cost_ratio`)."""
    subs = c.SUBCATEGORIES

    def u(salt: int) -> str:
        return draw("k", salt, seed)

    return f"""
SELECT *,
    (floor(exp(ln({sql_list(s.min_price for s in subs)}[s])
        + u_price * (ln({sql_list(s.max_price for s in subs)}[s])
        - ln({sql_list(s.min_price for s in subs)}[s])))) + 0.99)::DECIMAL(12,2) AS list_price,
    0.45 + 0.35 * u_cost AS cost_ratio
FROM (
    SELECT k, {c.FIRST_PRODUCT_ID} + k AS product_id,
        {pick_index(u(1), [s.weight for s in subs])} AS s,
        {u(2)} AS u_price, {u(3)} AS u_brand, {u(4)} AS u_noun,
        {u(5)} AS u_launch, {u(6)} AS u_discontinued, {u(7)} AS u_cost
    FROM range({c.PRODUCT_COUNT}) AS t(k)
)"""


def products_sql(seed: int) -> str:
    """`products`: product_id, product_name, category, subcategory, list_price, launched,
    discontinued."""
    subs = c.SUBCATEGORIES
    nouns = sql_list(sql_list(s.nouns) for s in subs)
    return f"""
WITH p AS ({product_rows_sql(seed)})
SELECT product_id::BIGINT AS product_id,
    {sql_list(c.PRODUCT_BRANDS)}[1 + floor(u_brand * {len(c.PRODUCT_BRANDS)})::INTEGER]
        || ' ' || {nouns}[s][1 + floor(u_noun * len({nouns}[s]))::INTEGER]
        || ' ' || (1000 + k)::VARCHAR AS product_name,
    {sql_list(s.category for s in subs)}[s] AS category,
    {sql_list(s.name for s in subs)}[s] AS subcategory,
    list_price,
    {date_sql(_LAUNCH_FIRST)}
        + floor(u_launch * {_span(_LAUNCH_FIRST, _LAUNCH_LAST)})::INTEGER AS launched,
    u_discontinued < 0.08 AS discontinued
FROM p
ORDER BY product_id"""


def employee_rows_sql(seed: int) -> str:
    """Employees with helper columns: `k`, `level` (head/manager/staff) and `cell`, the
    region * department slot (region = cell // departments, department = cell % departments).
    Heads and managers cover every cell; staff are spread by the region and department
    weights."""

    def u(salt: int) -> str:
        return draw("k", salt, seed)

    region = pick_index(u(1), [w for _, w in c.REGIONS])
    department = pick_index(u(2), [w for _, w in c.DEPARTMENTS])
    return f"""
SELECT k, {c.FIRST_EMPLOYEE_ID} + k AS employee_id,
    CASE WHEN k < {HEADS} THEN 'head' WHEN k < {FIRST_STAFF} THEN 'manager'
        ELSE 'staff' END AS level,
    CASE WHEN k < {HEADS} THEN k WHEN k < {FIRST_STAFF} THEN (k - {HEADS}) % {HEADS}
        ELSE ({region} - 1) * {_N_DEPTS} + {department} - 1 END AS cell,
    {u(3)} AS u_first, {u(4)} AS u_last, {u(5)} AS u_hire, {u(6)} AS u_band,
    {u(7)} AS u_manager
FROM range({c.EMPLOYEE_COUNT}) AS t(k)"""


def _hire_date_sql() -> str:
    heads_from, managers_from, staff_from = (dt.date(y, 1, 1) for y in (2006, 2009, 2012))
    return f"""CASE level
        WHEN 'head' THEN {date_sql(heads_from)}
            + floor(u_hire * {_span(heads_from, dt.date(2014, 12, 31))})::INTEGER
        WHEN 'manager' THEN {date_sql(managers_from)}
            + floor(u_hire * {_span(managers_from, dt.date(2019, 12, 31))})::INTEGER
        ELSE {date_sql(staff_from)}
            + floor(u_hire * {_span(staff_from, _STAFF_HIRED_BY)})::INTEGER END"""


def _salary_band_sql() -> str:
    heads, managers = sql_list(c.HEAD_BANDS), sql_list(c.MANAGER_BANDS)
    staff = sql_list(name for name, _ in c.STAFF_BANDS)
    return f"""CASE level
        WHEN 'head' THEN {heads}[1 + floor(u_band * {len(c.HEAD_BANDS)})::INTEGER]
        WHEN 'manager' THEN {managers}[1 + floor(u_band * {len(c.MANAGER_BANDS)})::INTEGER]
        ELSE {staff}[{pick_index("u_band", [w for _, w in c.STAFF_BANDS])}] END"""


def employee_roster_sql(seed: int) -> str:
    """`employee_roster`: employee_id, full_name, department, region, manager_id (NULL for
    the heads), hire_date, salary_band. A manager's reports share its region and
    department."""
    return f"""
WITH e AS ({employee_rows_sql(seed)})
SELECT employee_id::BIGINT AS employee_id,
    {sql_list(c.FIRST_NAMES)}[1 + floor(u_first * {len(c.FIRST_NAMES)})::INTEGER]
        || ' ' || {sql_list(c.LAST_NAMES)}[1 + floor(u_last * {len(c.LAST_NAMES)})::INTEGER]
        AS full_name,
    {sql_list(n for n, _ in c.DEPARTMENTS)}[cell % {_N_DEPTS} + 1] AS department,
    {sql_list(n for n, _ in c.REGIONS)}[cell // {_N_DEPTS} + 1] AS region,
    (CASE level WHEN 'head' THEN NULL
        WHEN 'manager' THEN {c.FIRST_EMPLOYEE_ID} + cell
        ELSE {c.FIRST_EMPLOYEE_ID} + {HEADS} + cell
            + {HEADS} * floor(u_manager * {MANAGERS_PER_CELL})::INTEGER END)::BIGINT
        AS manager_id,
    {_hire_date_sql()} AS hire_date,
    {_salary_band_sql()} AS salary_band
FROM e
ORDER BY employee_id"""
