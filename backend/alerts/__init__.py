"""Alerts: a saved report's one measure, checked on a cron schedule or when one of its
datasets gets a new data version, that notifies people when a condition becomes true.

    tables.py     the alert, each check (the claim row), each firing, each person's state
    condition.py  above / below / changed by more than N% since the last check (pure)
    measure.py    the report's spec reduced to the one total the alert watches
    store.py      create/list/get/update/delete with who may see what
    claim.py      which alerts are due, and the claim that makes a check happen once
    check.py      one claimed check: the value per person, their condition, the sends
    ticker.py     the minute tick (ARQ cron in the worker, a loop in the API without Redis)

Who sees which value (docs/delivery.md, "Alerts"): the condition is judged for each Aurora
user the alert goes to on the value *their own* row-level security gives, with a fire-once
state of their own; the owner's value is the one the history shows and the one outside
emails and webhooks receive (they get the owner's view, as for schedules).
"""
