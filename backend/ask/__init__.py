"""Ask in plain words: a question becomes a query spec (never SQL), validated and compiled by
the same compiler as any other spec, so row-level security, hidden columns, the cost gate and
every limit apply unchanged. See docs/ask.md."""
