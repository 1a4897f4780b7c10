"""`python -m backend.demo [--rows N] [--out DIR] [--seed S] [--target parquet|postgres]`:
build the demo warehouse (Parquet files, `global_sales` a Delta table), or load it into
PostgreSQL (AURORA_DB_URL, schema AURORA_DB_SCHEMA, default public)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from backend.config import get_settings
from backend.demo.build import build_demo

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 42


def _positive(value: str) -> int:
    number = int(value.replace("_", ""))
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _seed(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m backend.demo", description="Build the seeded demo warehouse."
    )
    parser.add_argument("--rows", type=_positive, default=DEFAULT_ROWS, help="sales rows")
    parser.add_argument(
        "--out", type=Path, default=None, help="warehouse folder (default: AURORA_DATA_DIR)"
    )
    parser.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--target",
        choices=("parquet", "postgres"),
        default="parquet",
        help="parquet files in --out, or tables in PostgreSQL (AURORA_DB_URL, AURORA_DB_SCHEMA)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # delta-rs warns once per string column per file when it writes the log (no statistics
    # for strings): a screenful of noise around the progress lines. Read when it is imported.
    os.environ.setdefault("RUST_LOG", "error")
    if args.target == "postgres":
        return _load_postgres(args.rows, args.seed)
    out: Path = args.out if args.out is not None else get_settings().data_dir
    build_demo(out, rows=args.rows, seed=args.seed)
    return 0


def _load_postgres(rows: int, seed: int) -> int:
    from backend.demo.postgres import load_demo_postgres

    settings = get_settings()
    if settings.db_url is None:
        print("--target postgres needs AURORA_DB_URL (a PostgreSQL URL)", file=sys.stderr)
        return 2
    load_demo_postgres(
        settings.db_url.get_secret_value(), settings.db_schema or "public", rows, seed
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
