"""The load test's simulated people, as Locust users (`bench.loadtest` runs them headless).

Every user action (one or several HTTP calls: an export is create, poll, download) is timed
as a whole and reported under request type ACTION with its name; the HTTP calls inside show
up under their routes too. An action fails on any status outside 2xx (0 = no answer).

A mix is a Locust user class plus its defaults (`MIXES`). The UI mix is one more
(`bench.locust_ui.UI_MIX`, added by the driver): a user class that speaks Reflex's socket.io
protocol instead of HTTP, whose actions go through the same `AuroraUser.action` so the
report stays one table.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

ACTION = "ACTION"
REQUEST_TIMEOUT_S = 60.0

REGIONS = ["West", "East", "North", "Central", "South"]
CHANNELS = ["Online", "Retail", "Partner", "Direct"]
DEPARTMENTS = ["Enterprise", "Consumer", "Small Business", "Financial Services", "Healthcare"]
COUNTRIES = ["United States", "Japan", "United Kingdom", "Germany", "Canada", "France"]
DETAIL = ["order_id", "order_date", "region", "country", "channel", "product_id", "revenue"]
GROUPINGS = [["region"], ["channel"], ["department"], ["region", "channel"], ["country"]]
SORT_COLUMNS = ["revenue", "order_date", "product_id"]
GROUP_COLUMNS = ["region", "channel", "department"]


class ActionFailed(Exception):
    pass


class AuroraUser(FastHttpUser):
    """Logged in before the run starts (`tokens`), one token per user; `seed` makes each
    user's choices repeatable."""

    abstract = True
    network_timeout = REQUEST_TIMEOUT_S
    connection_timeout = REQUEST_TIMEOUT_S
    tokens: ClassVar[list[str]] = []
    vintages: ClassVar[list[dict[str, Any]]] = []
    seed: ClassVar[int] = 7
    _count: ClassVar[int] = 0

    def on_start(self) -> None:
        index = AuroraUser._count
        AuroraUser._count += 1
        self.token = self.tokens[index % len(self.tokens)]
        self.rng = random.Random(self.seed * 100_003 + index)

    @contextmanager
    def action(self, name: str) -> Iterator[None]:
        """Time the block as one action; ActionFailed (or any error) marks it failed."""
        started = time.perf_counter()
        error: Exception | None = None
        try:
            yield
        except Exception as e:
            error = e
        self.environment.events.request.fire(
            request_type=ACTION,
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    def call(self, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        """One HTTP call; its JSON, or ActionFailed naming the status."""
        name = f"{method} {path.split('/api/')[-1].split('/')[0]}"
        headers = {"Authorization": f"Bearer {self.token}"}
        r = self.client.request(method, path, json=body, headers=headers, name=name)
        if r.status_code != ok:
            raise ActionFailed(f"{name}: status {r.status_code}")
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r

    def query(self, spec: dict[str, Any], path: str = "/api/query") -> Any:
        return self.call("POST", path, spec)

    def skewed(self, options: list[Any]) -> Any:
        """The first options far more often than the last (people share favourites)."""
        weights = [1 / (i + 1) for i in range(len(options))]
        return self.rng.choices(options, weights)[0]


def cond(column: str, operator: str, value: Any) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def group_by_spec(rng: random.Random) -> dict[str, Any]:
    """The scale mix's group-by: two of three columns, a sum, a count distinct and a HAVING."""
    return {
        "dataset": "global_sales",
        "group_by": rng.sample(GROUP_COLUMNS, 2),
        "measures": [
            {"column": "revenue", "agg": "sum", "alias": "total_revenue"},
            {"column": "employee_id", "agg": "count_distinct", "alias": "sellers"},
        ],
        "filters": {"conditions": [cond("total_revenue", ">", rng.choice([1000, 10000, 100000]))]},
        "sort": [{"column": "total_revenue", "direction": "desc"}],
    }


# -- (a) scale: 200 users, pages and group-bys ---------------------------------------------


class ScaleUser(AuroraUser):
    """75% pages (a random page 1-200 sorted by one of three columns, either way), 25%
    group-bys; 2-8 s between requests."""

    wait_time = between(2, 8)

    @task(75)
    def page(self) -> None:
        key = {"column": self.rng.choice(SORT_COLUMNS)}
        key["direction"] = self.rng.choice(["asc", "desc"])
        spec = {"dataset": "global_sales", "columns": DETAIL, "sort": [key]}
        with self.action("page"):
            self.query(spec | {"page": self.rng.randint(1, 200), "page_size": 50})

    @task(25)
    def aggregate(self) -> None:
        with self.action("group-by"):
            self.query(group_by_spec(self.rng))


# -- (c) Superset's mix: 20 clients, no think time ----------------------------------------


class SupersetUser(AuroraUser):
    """Pages of revenue descending at a random offset up to 10,000; every fourth request a
    group-by (the scale mix's). No think time."""

    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.sent = 0

    @task
    def next_request(self) -> None:
        self.sent += 1
        if self.sent % 4 == 0:
            with self.action("group-by"):
                self.query(group_by_spec(self.rng))
            return
        offset = self.rng.randint(0, 10_000)
        spec = {"dataset": "global_sales", "columns": DETAIL, "page_size": 50}
        spec["sort"] = [{"column": "revenue", "direction": "desc"}]
        with self.action("page"):
            self.query(spec | {"page": offset // 50 + 1})


# -- (b) the realistic mix: people in one company looking at the same few things -----------


class RealisticUser(AuroraUser):
    """Open a dataset, page, sort, filter, aggregate, preview a join, a small CSV export;
    parameters from small skewed sets (the same few loads, regions and pages)."""

    wait_time = between(2, 8)

    def vintage(self) -> dict[str, Any] | None:
        return None if self.rng.random() < 0.15 else self.skewed(self.vintages)

    def base(self, **extra: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"dataset": "global_sales", **extra}
        if (vintage := self.vintage()) is not None:
            spec["vintage"] = vintage
        return spec

    @task(10)
    def open_dataset(self) -> None:
        with self.action("open dataset"):
            self.call("GET", "/api/datasets")
            self.call("GET", "/api/datasets/global_sales")

    @task(30)
    def page(self) -> None:
        with self.action("page"):
            self.query(self.base(columns=DETAIL, page=self.skewed(list(range(1, 11)))))

    @task(12)
    def sort(self) -> None:
        key = {"column": self.skewed(SORT_COLUMNS), "direction": self.skewed(["desc", "asc"])}
        with self.action("sort"):
            self.query(self.base(columns=DETAIL, sort=[key], page=self.skewed([1, 2, 3])))

    @task(20)
    def filter(self) -> None:
        regions = sorted(self.rng.sample(REGIONS, self.rng.randint(1, 2)))
        conditions = [cond("region", "in", regions), cond("channel", "=", self.skewed(CHANNELS))]
        if self.rng.random() < 0.5:
            conditions.append(cond("revenue", ">", self.skewed([1000, 100, 10000])))
        self.rng.shuffle(conditions)  # the same filters, built in another order by another user
        with self.action("filter"):
            self.query(self.base(columns=DETAIL, filters={"op": "and", "conditions": conditions}))

    @task(15)
    def aggregate(self) -> None:
        measures = [
            {"column": "revenue", "agg": "sum", "alias": "revenue"},
            {"agg": "count", "alias": "orders"},
            {"column": "discount", "agg": "avg", "alias": "avg_discount"},
        ]
        spec = self.base(group_by=self.skewed(GROUPINGS), measures=measures)
        spec["sort"] = [{"column": "revenue", "direction": "desc"}]
        with self.action("aggregate"):
            self.query(spec)

    @task(8)
    def preview_join(self) -> None:
        spec = self.base(
            joins=[
                {
                    "dataset": "employee_roster",
                    "on": [{"left": "employee_id", "right": "employee_id"}],
                }
            ],
            columns=["order_id", "order_date", "full_name", "salary_band", "revenue"],
            filters={
                "conditions": [
                    cond("global_sales.region", "=", self.skewed(REGIONS)),
                    cond("channel", "=", self.skewed(CHANNELS)),
                ]
            },
        )
        with self.action("preview join"):
            self.query(spec, "/api/preview")

    @task(5)
    def small_export(self) -> None:
        conditions = [
            cond("country", "=", self.skewed(COUNTRIES)),
            cond("channel", "=", "Direct"),
            cond("department", "=", self.skewed(DEPARTMENTS)),
        ]
        spec = self.base(columns=DETAIL, filters={"conditions": conditions})
        spec.setdefault("vintage", self.vintages[0])  # never the whole table
        with self.action("small export"):
            self.export(spec)

    def export(self, spec: dict[str, Any]) -> None:
        """Create a CSV export, wait for it, download it."""
        job = self.call("POST", "/api/exports", {"query": spec, "format": "csv"}, ok=202)["id"]
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        while time.monotonic() < deadline:
            status = self.call("GET", f"/api/exports/{job}")["status"]
            if status == "done":
                self.call("GET", f"/api/exports/{job}/download")
                return
            if status not in ("queued", "running"):
                raise ActionFailed(f"export {status}")
            time.sleep(0.5)  # gevent-patched: yields to the other users
        raise ActionFailed("export not done in 60 s")


@dataclass(frozen=True)
class Mix:
    user: type[AuroraUser]
    users: int
    description: str
    targets: str
    default_vintage: bool  # the admin set global_sales to its latest MONTH_END load
    actions: tuple[str, ...]
    ui: bool = False  # through the Reflex app (bench.locust_ui), which the driver also starts
    ramp_s: float = 10.0  # users arrive over this long unless LOADTEST_RAMP_S says otherwise


MIXES: dict[str, Mix] = {
    "scale": Mix(
        ScaleUser,
        200,
        "the scale mix: 75% pages (random page 1-200, one of three sorts), 25% group-bys "
        "(two of three columns, sum, count distinct, HAVING); think 2-8 s",
        "page p95 <= 300 ms, group-by p95 <= 1500 ms, 0 errors, RSS flat",
        False,
        ("page", "group-by"),
    ),
    "realistic": Mix(
        RealisticUser,
        200,
        "open dataset, page, sort, filter, aggregate, preview join, small CSV export; "
        "skewed parameters; think 2-8 s",
        "page p95 <= 300 ms, aggregate p95 <= 1500 ms, 0 errors, RSS flat",
        True,
        ("open dataset", "page", "sort", "filter", "aggregate", "preview join", "small export"),
    ),
    "superset": Mix(
        SupersetUser,
        20,
        "Superset's: revenue desc at a random offset <= 10,000, every fourth request a "
        "group-by; no think time",
        ">= 23.4 requests/s (3x Superset 6.1), page p95 <= 1000 ms",
        False,
        ("page", "group-by"),
    ),
}
