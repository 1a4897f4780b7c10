"""Database adapters behind one narrow protocol. Nothing here imports Aurora's backend."""

from adapters.base import ColumnInfo, DatabaseAdapter, Estimate, QueryCancelledError

__all__ = ["ColumnInfo", "DatabaseAdapter", "Estimate", "QueryCancelledError"]
