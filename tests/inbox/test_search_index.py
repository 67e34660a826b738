"""The inbox's free-text search is answered from trigram indexes on PostgreSQL, so a
word few items contain does not read the whole inbox (migration inbox.0003)."""

import pytest
from django.db import connection

from inbox.forms import FilterForm
from inbox.models import InboxItem
from inbox.views import filtered_items, search_condition
from tests.inbox.conftest import network_item

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's (CI runs it)"),
]


def _search(shop, q):
    form = FilterForm({"status": "open", "q": q}, brands=[shop["brand"]], accounts=[shop["account"]])
    return filtered_items(shop["ws"], shop["owner"], form)


@pytest.mark.parametrize(
    ("q", "index"),
    [
        ("refund", "inbox_item_text_trgm"),
        ("@sam@else", "inbox_item_author_handle_trgm"),
        ("Jones", "inbox_item_author_name_trgm"),
    ],
)
def test_search_finds_the_item_through_the_trigram_index(shop, add_items, q, index):
    # given: one item that matches among others
    add_items(
        shop["account"],
        network_item(text="Where is my refund?", author_handle="@sam@elsewhere.social", author_name="Sam Jones"),
        *[
            network_item(text=f"Lovely latte number {i}", author_handle=f"@fan{i}", author_name="A fan")
            for i in range(30)
        ],
    )

    # when searching for it (case-insensitive, as the inbox's search box does)
    found = list(_search(shop, q.upper()))

    # then: the one item
    assert [item.text for item in found] == ["Where is my refund?"]
    # and the search's SQL matches the index expressions, so PostgreSQL can answer it from
    # the index (a tiny table is read directly; sequential scans are switched off here)
    sql, params = InboxItem.objects.filter(search_condition(q)).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
