"""Alembic, configured in code: `upgrade(engine)` at start, and a small CLI for developers.

    python -m backend.store.migrate revision -m "add export jobs" [--autogenerate]
    python -m backend.store.migrate upgrade|current|history

The CLI uses `AURORA_METADATA_URL` or the default SQLite file, like the service.
"""

from __future__ import annotations

import argparse
import fcntl
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from backend.store.engine import Store, default_url, make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# The PostgreSQL advisory lock key for migrations (any fixed number; "aurora" in ASCII, truncated).
MIGRATION_LOCK = 0x6175726F7261


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _one_at_a_time(engine):
        command.upgrade(alembic_config(engine), revision)


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """Processes that start together on a fresh store (the API's workers and the export
    worker, several API machines) would each create the tables and all but one fail; with
    the lock the others wait and then find the schema at head. PostgreSQL: an advisory lock;
    a SQLite file: an flock on a file beside it; an in-memory SQLite has one process."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file closes
        yield


def migrate(store: Store) -> None:
    """Bring the store's schema to the newest revision: what a process does at start. A store
    already there (every start but the first) is only read: alembic's upgrade would load every
    revision script and take the lock to find nothing to do."""
    if not at_head(store.engine):
        upgrade(store.engine)


@functools.cache
def _head() -> str | None:
    """The newest revision of the scripts this process runs (they do not change under it)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def at_head(engine: Engine) -> bool:
    """Whether the store's schema is at the newest revision (False for an empty store)."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return current == (_head(),)


def _next_rev_id(cfg: Config) -> str:
    heads = ScriptDirectory.from_config(cfg).get_heads()
    numbers = [int(h.split("_")[0]) for h in heads if h.split("_")[0].isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def main(argv: list[str] | None = None) -> None:
    from backend.config import get_settings

    parser = argparse.ArgumentParser(prog="python -m backend.store.migrate")
    parser.add_argument("action", choices=["upgrade", "revision", "current", "history"])
    parser.add_argument("-m", "--message", default="change")
    parser.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    engine = make_engine(default_url(get_settings()))
    cfg = alembic_config(engine)
    if args.action == "upgrade":
        command.upgrade(cfg, "head")
    elif args.action == "revision":
        command.revision(
            cfg, message=args.message, autogenerate=args.autogenerate, rev_id=_next_rev_id(cfg)
        )
    elif args.action == "current":
        command.current(cfg, verbose=True)
    else:
        command.history(cfg)


if __name__ == "__main__":
    main()
