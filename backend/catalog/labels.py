"""Readable labels from column and dataset names, until an admin sets better ones."""

from __future__ import annotations


def label_from_name(name: str) -> str:
    """`order_date` -> `Order date`; the rest of the name keeps its case.

    >>> label_from_name("order_date")
    'Order date'
    >>> label_from_name("customer_ID")
    'Customer ID'
    >>> label_from_name("__x__")
    'X'
    """
    words = " ".join(name.replace("_", " ").split())
    return words[:1].upper() + words[1:]
