"""Dashboards: tabs of tiles on a 12-column grid, shared filters, versions, bookmarks,
comments and an XLSX workbook. Tiles run through `QueryService` as the viewer (RLS,
vintage, the gate, the fair queue and the result cache apply per tile)."""
