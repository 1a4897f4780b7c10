"""The demo warehouse: seeded, deterministic sales, employees and products as Parquet.

Run `python -m backend.demo --rows N --out DIR`, or call `build_demo` (tests build a small
warehouse with it).
"""

from backend.demo.build import DATASETS, MANIFEST, build_demo, print_to_stderr
from backend.demo.constants import GENERATOR_VERSION

__all__ = ["DATASETS", "GENERATOR_VERSION", "MANIFEST", "build_demo", "print_to_stderr"]
