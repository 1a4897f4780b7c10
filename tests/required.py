"""The outside services the suite talks to, and what a missing one does to a test.

- `AURORA_TEST_PG_URL`: the PostgreSQL server, one libpq URL form for psycopg, the metadata
  store and the PostgreSQL adapter alike (default `postgresql://postgres@127.0.0.1:5432/test`,
  trust auth for `postgres` on 127.0.0.1; `make test` creates the database if it is missing).
- `AURORA_TEST_REDIS_URL`: the Redis server without a database number (default
  `redis://127.0.0.1:6379`); each test family picks its own database with `redis_url(n)`:
  3 the result cache's blocks shared by two processes, 4 the CDC poll on the ARQ worker, 8 the
  UI events test (one Reflex worker's state), 9 export jobs, 10 result cache, 11 and 13 the e2e
  deployed shape (API and worker, Reflex state), 12 the deploy tests, 14 the shared login
  limits, 15 two Reflex workers' shared state.
- `AURORA_SERVICES_REQUIRED=1` (set by `make test`): a missing service (PostgreSQL, Redis,
  npm, Chromium, bun) fails the test that needs it, naming the service. Unset, it skips, so a
  laptop without PostgreSQL can still run the rest.

`python -m tests.required` prepares the services for a run: creates the test database when
it is missing and checks that Redis answers; it exits 1 naming what is missing.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import psycopg
import pytest
import redis as redis_sync
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PG_URL = os.environ.get("AURORA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("AURORA_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
CONNECT_TIMEOUT_S = 3


def services_required() -> bool:
    return os.environ.get("AURORA_SERVICES_REQUIRED", "") not in ("", "0")


def require_service(name: str, reason: str) -> NoReturn:
    """Fail (under AURORA_SERVICES_REQUIRED) or skip a test whose service `name` is missing."""
    message = f"{name} is not available: {' '.join(reason.split())}"
    if services_required():
        pytest.fail(
            f"{message} (AURORA_SERVICES_REQUIRED=1: a required service never skips)",
            pytrace=False,
        )
    pytest.skip(message)


def redis_url(db: int) -> str:
    return f"{REDIS_BASE_URL}/{db}"


def pg_connect(**kwargs: Any) -> psycopg.Connection[Any]:
    """A connection to the test database, or the test fails/skips naming PostgreSQL."""
    try:
        return psycopg.connect(PG_URL, connect_timeout=CONNECT_TIMEOUT_S, **kwargs)
    except psycopg.OperationalError as e:
        error = str(e)  # reported outside the handler: one message, not a chained traceback
    require_service("PostgreSQL", f"{PG_URL}: {error}")


def redis_client(db: int) -> redis_sync.Redis:
    """A client on database `db` that answered a PING, or the test fails/skips naming Redis."""
    client = redis_sync.Redis.from_url(redis_url(db), socket_connect_timeout=CONNECT_TIMEOUT_S)
    try:
        client.ping()
        return client
    except redis_sync.RedisError as e:
        error = str(e)
    client.close()
    require_service("Redis", f"{redis_url(db)}: {error}")


def create_test_database() -> str:
    """Create the database AURORA_TEST_PG_URL names when it is missing; returns what it did."""
    name = str(conninfo_to_dict(PG_URL).get("dbname") or "postgres")
    maintenance = make_conninfo(PG_URL, dbname="postgres", connect_timeout=CONNECT_TIMEOUT_S)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found:
            return f"PostgreSQL database {name!r} exists"
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"PostgreSQL database {name!r} created"


def prepare() -> list[str]:
    """What `make test` needs before pytest starts; the problems, each naming its service."""
    problems = []
    try:
        print(create_test_database())
    except psycopg.Error as e:
        problems.append(
            f"PostgreSQL is not available at {PG_URL} ({e}): the tests expect a server "
            "accepting user postgres without a password (trust auth) on 127.0.0.1; set "
            "AURORA_TEST_PG_URL to use another"
        )
    client = redis_sync.Redis.from_url(redis_url(0), socket_connect_timeout=CONNECT_TIMEOUT_S)
    try:
        client.ping()
        print(f"Redis answers at {REDIS_BASE_URL}")
    except redis_sync.RedisError as e:
        problems.append(f"Redis is not available at {REDIS_BASE_URL} ({e})")
    finally:
        client.close()
    return problems


if __name__ == "__main__":
    missing = prepare()
    for problem in missing:
        print(f"make test: {problem}", file=sys.stderr)
    sys.exit(1 if missing else 0)
