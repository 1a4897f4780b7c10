"""The joins tests' demo warehouse fixtures, shared here."""

from tests.joins.conftest import demo_warehouse  # noqa: F401
