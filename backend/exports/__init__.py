"""Streaming export writers: Arrow record batches in, a finished CSV, XLSX or Parquet file out.

`write_export` is the one entry point; each format lives in its own module.
"""

from backend.exports.common import (
    CONTENT_TYPES,
    EXTENSIONS,
    ExportCancelled,
    ExportFormat,
    ExportOptions,
    ExportWriteError,
    part_path,
)
from backend.exports.pipeline import write_export

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "ExportCancelled",
    "ExportFormat",
    "ExportOptions",
    "ExportWriteError",
    "part_path",
    "write_export",
]
