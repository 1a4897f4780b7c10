"""`python -m backend.demo [--rows N] [--out DIR] [--seed S]`: build the demo warehouse."""

from __future__ import annotations

import argparse
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out if args.out is not None else get_settings().data_dir
    build_demo(out, rows=args.rows, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
