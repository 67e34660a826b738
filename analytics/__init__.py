"""Metric snapshots, rollups, KPI computation, dashboards, exports and reports."""
