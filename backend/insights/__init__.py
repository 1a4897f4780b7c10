"""Insights: what stands out in one measure over time (anomalies, trend) and which groups
moved most between two periods or two loads, computed in SQL over the compiled spec."""
