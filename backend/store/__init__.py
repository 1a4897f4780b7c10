"""The metadata store: users, keys, audit log, reports and whatever else Aurora remembers.

SQLAlchemy 2.x models on one `Base` (backend.store.base), an engine per `Store`
(backend.store.engine), Alembic migrations run at start (backend.store.migrate).

Adding a table:
1. Define the model on `backend.store.base.Base` (use `UTCDateTime`, `Json`, `BigId`,
   `new_id`, `utcnow` from there) in your own module.
2. Import that module in `backend/store/all_models.py` (one line), so Alembic and the
   test clean-up see it.
3. `python -m backend.store.migrate revision -m "what changed" --autogenerate` writes
   `backend/store/migrations/versions/NNNN_what_changed.py` revising the current head;
   review it (prefer plain `op.create_index` to the SQLite batch blocks autogenerate may
   emit), then commit. The chain must stay linear: `tests/store/test_migrations.py` fails
   on a second head and on any difference between the migrated schema and the models, on
   SQLite and PostgreSQL.
"""
