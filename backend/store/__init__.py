"""The metadata store: users, keys, audit log, reports and whatever else Aurora remembers.

SQLAlchemy 2.x models on one `Base`, an engine per `Store`, Alembic migrations run at start.
"""
