"""After the demo history is generated on PostgreSQL the planner knows the tables' sizes:
without statistics it planned the dashboards' KPI statement as if they were empty, and
the demo's agency overview took 11 s (0.16 s with them)."""

import pytest
from django.core.management import call_command
from django.db import connection

from analytics.models import PostMetricLatest
from posts.models import PostTarget

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"),
]


def planner_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_generated_history_leaves_the_planner_with_the_tables_sizes(two_workspaces):
    # when the demo history is generated
    call_command("generate_history", seed=42, days=30, workspace=["alpha"], verbosity=0)

    # then PostgreSQL's statistics count the rows that are there
    assert planner_rows(PostMetricLatest) == PostMetricLatest.objects.count() > 20
    assert planner_rows(PostTarget) == PostTarget.objects.count()
