"""The fixed vocabulary of the demo warehouse: names, places, weights and load dates.

Weights are small integers: a weighted pick expands them into a lookup list, so a
weight of 30 in a list summing to 100 is picked 30% of the time.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

#: Bump whenever the generated data changes, so an older build is not taken as current.
GENERATOR_VERSION = 2

FIRST_DATE = dt.date(2022, 1, 1)
LAST_DATE = dt.date(2024, 12, 31)

PRODUCT_COUNT = 2_000
EMPLOYEE_COUNT = 5_000
FIRST_PRODUCT_ID = 100_001
FIRST_EMPLOYEE_ID = 500_001
FIRST_ORDER_ID = 10_000_000_001
#: `global_sales`'s key: one row per order id (`FIRST_ORDER_ID` + the row number).
SALES_KEY = ("order_id",)


class Country(NamedTuple):
    name: str
    region: str
    currency: str
    weight: int  # share within its region, the weights of one region sum to 100


#: Sales regions and their share of the sales staff (sums to 100).
REGIONS: tuple[tuple[str, int], ...] = (
    ("North", 16),
    ("South", 13),
    ("East", 24),
    ("West", 33),
    ("Central", 14),
)

#: Currency is the billing currency: euro, sterling and yen where they are the
#: national currency, euro for the rest of Europe, US dollars elsewhere.
COUNTRIES: tuple[Country, ...] = (
    Country("United Kingdom", "North", "GBP", 45),
    Country("Ireland", "North", "EUR", 12),
    Country("Sweden", "North", "EUR", 18),
    Country("Norway", "North", "EUR", 13),
    Country("Denmark", "North", "EUR", 12),
    Country("Spain", "South", "EUR", 32),
    Country("Italy", "South", "EUR", 34),
    Country("Portugal", "South", "EUR", 11),
    Country("Greece", "South", "EUR", 8),
    Country("South Africa", "South", "USD", 15),
    Country("Japan", "East", "JPY", 30),
    Country("China", "East", "USD", 22),
    Country("India", "East", "USD", 18),
    Country("Singapore", "East", "USD", 12),
    Country("Australia", "East", "USD", 18),
    Country("United States", "West", "USD", 62),
    Country("Canada", "West", "USD", 14),
    Country("Mexico", "West", "USD", 10),
    Country("Brazil", "West", "USD", 10),
    Country("Chile", "West", "USD", 4),
    Country("Germany", "Central", "EUR", 38),
    Country("France", "Central", "EUR", 30),
    Country("Netherlands", "Central", "EUR", 14),
    Country("Switzerland", "Central", "EUR", 10),
    Country("Poland", "Central", "EUR", 8),
)

#: Units per US dollar: `revenue_local` is the (USD) revenue at these fixed rates.
FX_PER_USD: dict[str, float] = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0}

#: Business units (sums to 100). A sale belongs to its seller's department.
DEPARTMENTS: tuple[tuple[str, int], ...] = (
    ("Enterprise", 20),
    ("Consumer", 18),
    ("Small Business", 16),
    ("Financial Services", 12),
    ("Healthcare", 10),
    ("Public Sector", 10),
    ("Education", 8),
    ("Manufacturing", 6),
)

CHANNELS: tuple[tuple[str, int], ...] = (
    ("Online", 40),
    ("Retail", 25),
    ("Partner", 20),
    ("Direct", 15),
)


class Subcategory(NamedTuple):
    category: str
    name: str
    nouns: tuple[str, ...]
    min_price: float  # list prices are log-uniform between these, in US dollars
    max_price: float
    weight: int  # share of the product range


SUBCATEGORIES: tuple[Subcategory, ...] = (
    Subcategory("Electronics", "Laptops", ("Laptop", "Notebook", "Ultrabook"), 450, 3200, 8),
    Subcategory("Electronics", "Monitors", ("Monitor", "Display"), 120, 1400, 6),
    Subcategory("Electronics", "Phones", ("Phone", "Smartphone"), 150, 1300, 6),
    Subcategory("Electronics", "Accessories", ("Headset", "Keyboard", "Mouse", "Dock"), 9, 180, 10),
    Subcategory("Furniture", "Chairs", ("Chair", "Stool"), 60, 1200, 5),
    Subcategory("Furniture", "Desks", ("Desk", "Workstation"), 150, 2200, 4),
    Subcategory("Furniture", "Storage", ("Cabinet", "Shelf", "Locker"), 40, 900, 4),
    Subcategory("Office Supplies", "Paper", ("Paper Pack", "Notepad"), 3, 45, 8),
    Subcategory("Office Supplies", "Writing", ("Pen Set", "Marker Set", "Pencil Box"), 2, 40, 8),
    Subcategory("Office Supplies", "Binders", ("Binder", "Folder"), 2, 30, 6),
    Subcategory("Software", "Licenses", ("License", "Suite"), 50, 4000, 6),
    Subcategory("Software", "Subscriptions", ("Subscription", "Cloud Plan"), 10, 900, 7),
    Subcategory("Software", "Security", ("Firewall", "Antivirus", "Vault"), 30, 2500, 5),
    Subcategory("Services", "Support", ("Support Plan", "Care Pack"), 80, 3000, 5),
    Subcategory("Services", "Training", ("Course", "Workshop"), 150, 2500, 4),
    Subcategory("Services", "Consulting", ("Assessment", "Implementation"), 900, 25000, 3),
    Subcategory("Appliances", "Kitchen", ("Coffee Machine", "Kettle", "Fridge"), 25, 1500, 3),
    Subcategory("Appliances", "Climate", ("Air Purifier", "Fan", "Heater"), 30, 700, 2),
)

PRODUCT_BRANDS: tuple[str, ...] = (
    "Aurora", "Nimbus", "Vertex", "Orion", "Zephyr", "Atlas", "Lumen", "Quasar",
    "Helix", "Summit", "Nova", "Cobalt", "Evergreen", "Polaris", "Ridge", "Tempo",
)  # fmt: skip

#: A few names carry apostrophes and non-ASCII letters on purpose: filters and
#: exports must handle them.
FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah",
    "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Mark", "Emily",
    "José", "Zoë", "Chloé", "François", "Søren", "Björn", "Siobhán", "Łukasz",
    "Hiroshi", "Yuki", "Priya", "Arjun", "Wei", "Mei", "Olu", "Amara",
    "Lucía", "Mateo", "Ingrid", "Lars", "Niamh", "Seán", "Anaïs", "Jürgen",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin",
    "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
    "O'Brien", "O'Connor", "D'Angelo", "O'Neill", "Müller", "García", "Núñez", "Søndergaard",
    "Tanaka", "Suzuki", "Patel", "Sharma", "Chen", "Wang", "Okafor", "Mensah",
    "Fernández", "Rossi", "Dubois", "Lefèvre", "Nowak", "Kowalski", "Andersson", "Novák",
)  # fmt: skip

#: Salary bands by level of the org chart: heads, managers, staff.
HEAD_BANDS: tuple[str, ...] = ("E1", "E2")
MANAGER_BANDS: tuple[str, ...] = ("M1", "M2", "M3")
STAFF_BANDS: tuple[tuple[str, int], ...] = (("P1", 25), ("P2", 35), ("P3", 25), ("P4", 15))

#: Share of the sales rows that go to each load type (sums to 100).
LOAD_TYPE_SHARES: tuple[tuple[str, int], ...] = (
    ("DAILY", 36),
    ("MONTH_END", 54),
    ("RESTATEMENT", 10),
)

_HOLIDAYS = {(1, 1), (12, 25)}


def _is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def _daily_loads(count: int = 5) -> list[dt.date]:
    """The last `count` business days of the data's final month."""
    day, found = LAST_DATE, list[dt.date]()
    while len(found) < count and day.month == LAST_DATE.month:
        if _is_business_day(day):
            found.append(day)
        day -= dt.timedelta(days=1)
    return sorted(found)


def _month_end_loads(count: int = 6) -> list[dt.date]:
    """The last `count` month ends up to the data's final month."""
    months = [(LAST_DATE.year * 12 + LAST_DATE.month - 1) - k for k in range(count)]
    return sorted(_month_end(m // 12, m % 12 + 1) for m in months)


def _restatement_loads() -> list[dt.date]:
    """Two mid-quarter restatements in the final year, on business days."""
    loads = []
    for month in (4, 10):
        day = dt.date(LAST_DATE.year, month, 15)
        while not _is_business_day(day):
            day -= dt.timedelta(days=1)
        loads.append(day)
    return loads


def load_dates() -> dict[str, list[dt.date]]:
    """Every load of `global_sales`: load type -> its load dates, oldest first."""
    return {
        "DAILY": _daily_loads(),
        "MONTH_END": _month_end_loads(),
        "RESTATEMENT": _restatement_loads(),
    }


def load_id(day: dt.date) -> int:
    """A load's id is its date as a yyyymmdd number, as the warehouse's loaders write it."""
    return day.year * 10_000 + day.month * 100 + day.day
