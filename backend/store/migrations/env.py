"""Alembic environment, driven from code: the engine arrives in `config.attributes`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from backend.store.all_models import metadata

config = context.config


def run_migrations() -> None:
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported")
run_migrations()
