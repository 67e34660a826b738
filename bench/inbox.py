"""Inbox benchmark: ingestion throughput and the first inbox page with filters.

Ingests N items (default 200,000, plus 10% duplicates re-delivered) across 100 accounts
through ``inbox.ingest.ingest`` (the path polling and webhooks use), then times the
first page of the inbox list for several filter sets: the ORM page the view runs
(``filtered_items`` + select_related, 51 rows) against the bare indexed SQL query of
the same page (ids only). Prints JSON. Target: first page under 100 ms median.

Runs in its own database: with DATABASE_URL pointing at PostgreSQL it (re)creates
``bench_inbox`` (BENCH_DATABASE_NAME) on that server; otherwise a SQLite file in a
temporary folder. ``python bench/inbox.py --items 20000`` for a quick run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "coffee",
    "latte",
    "order",
    "shop",
    "open",
    "today",
    "thanks",
    "love",
    "great",
    "service",
    "delivery",
    "price",
    "beans",
    "roast",
    "cup",
    "grinder",
    "late",
    "slow",
    "cold",
    "hot",
    "barista",
    "morning",
    "weekend",
    "menu",
    "oat",
    "milk",
    "sugar",
    "staff",
    "friendly",
]
MOODS = [
    "I love it, thank you!",
    "This is terrible and broken, I want a refund.",
    "Awful service, never again.",
    "Great coffee as always.",
    "When do you open?",
    "",
]


def choose_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = os.environ.get("BENCH_DATABASE_NAME", "bench_inbox")
        parts = urlsplit(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}")), "postgresql"
    folder = tempfile.mkdtemp(prefix="bench-inbox-")
    return f"sqlite:///{folder}/bench.sqlite3", "sqlite"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    os.environ.setdefault("SMM_VAR_DIR", tempfile.mkdtemp(prefix="bench-inbox-var-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build_world(accounts_n: int):
    from django.contrib.auth import get_user_model

    from inbox.models import InboxKeyword
    from smm.models import Brand, Membership, SocialAccount, Workspace

    workspace = Workspace.objects.create(name="Bench", slug="bench")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    brands = [Brand.objects.create(workspace=workspace, name=f"Brand {i}") for i in range(10)]
    networks = ["mastodon", "bluesky", "x", "facebook", "instagram"]
    accounts = [
        SocialAccount.objects.create(
            brand=brands[i % len(brands)],
            network=networks[i % len(networks)],
            handle=f"@acct{i}",
            remote_id=f"acct{i}",
            credentials={"access_token": "x"},
        )
        for i in range(accounts_n)
    ]
    for word in ("refund", "broken", "lawsuit"):
        InboxKeyword.objects.create(workspace=workspace, word=word, weight=25)
    return workspace, user, brands, accounts


def make_items(n: int, accounts: list, rng: random.Random):
    from smm.platforms.base import InboxItem as NetworkItem

    now = dt.datetime.now(dt.UTC)
    per_account: dict[int, list] = {account.pk: [] for account in accounts}
    for i in range(n):
        account = accounts[i % len(accounts)]
        text = f"{rng.choice(MOODS)} {' '.join(rng.choices(WORDS, k=rng.randint(3, 14)))}"
        per_account[account.pk].append(
            NetworkItem(
                remote_id=str(i),
                kind=rng.choice(["mention", "mention", "comment", "reply", "dm"]),
                text=text,
                created_at=now - dt.timedelta(seconds=rng.randint(0, 90 * 86400)),
                author_handle=f"@user{rng.randint(1, 50_000)}",
                author_name=f"User {rng.randint(1, 50_000)}",
                author_followers=rng.choice([None, 10, 200, 1_500, 25_000, 300_000]),
            )
        )
    return per_account


def ingest_all(accounts, per_account, duplicates: float, rng: random.Random, page: int = 200):
    from inbox.ingest import ingest, workspace_keywords

    keywords = workspace_keywords(accounts[0].brand.workspace_id)
    delivered = new = 0
    started = time.perf_counter()
    for account in accounts:
        items = per_account[account.pk]
        for start in range(0, len(items), page):
            batch = items[start : start + page]
            # Re-deliver a share of what was already seen (poll overlap, webhook + poll).
            seen = items[:start]
            extra = rng.sample(seen, min(len(seen), int(len(batch) * duplicates))) if seen else []
            if not seen:
                extra = batch[: int(len(batch) * duplicates)]
            delivery = batch + extra
            delivered += len(delivery)
            new += ingest(account, delivery, keywords=keywords)
    elapsed = time.perf_counter() - started
    return {
        "delivered": delivered,
        "stored": new,
        "seconds": round(elapsed, 2),
        "items_per_s": round(delivered / elapsed),
    }


def time_pages(workspace, user, brands, accounts, runs: int):
    from django.db import connection

    from inbox.forms import FilterForm
    from inbox.views import filtered_items, page_rows

    cases = {
        "open, priority": {"status": "open"},
        "open, newest": {"status": "open", "sort": "newest"},
        "open, one brand, negative": {"status": "open", "brand": str(brands[3].pk), "sentiment": "negative"},
        "open, network x, mentions": {"status": "open", "network": "x", "kind": "mention"},
        "open, one account": {"status": "open", "account": str(accounts[7].pk)},
        "search 'refund'": {"status": "open", "q": "refund"},
        # a handle a few items carry, and a word none does: the whole workspace is searched
        "search a rare handle": {"status": "open", "q": "@user31337"},
        "search, no match": {"status": "open", "q": "zqxjv"},
    }
    results = {}
    for name, params in cases.items():
        form = FilterForm(params, brands=brands, accounts=accounts)
        orm, bare = [], []
        for _ in range(runs):
            started = time.perf_counter()
            rows = page_rows(filtered_items(workspace, user, form), 0, 51)
            orm.append((time.perf_counter() - started) * 1000)
            sql, sql_params = filtered_items(workspace, user, form).values_list("id")[:51].query.sql_with_params()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                cursor.fetchall()
            bare.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "rows": len(rows),
            "page_ms_median": round(statistics.median(orm), 2),
            "page_ms_p95": round(sorted(orm)[max(0, int(len(orm) * 0.95) - 1)], 2),
            "bare_sql_ms_median": round(statistics.median(bare), 2),
            "bare_sql_ms_p95": round(sorted(bare)[max(0, int(len(bare) * 0.95) - 1)], 2),
        }
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--duplicates", type=float, default=0.10)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    database_url, vendor = choose_database()
    setup_django(database_url)
    from django.db import connection

    rng = random.Random(2026)
    workspace, user, brands, accounts = build_world(args.accounts)
    per_account = make_items(args.items, accounts, rng)
    ingestion = ingest_all(accounts, per_account, args.duplicates, rng)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    pages = time_pages(workspace, user, brands, accounts, args.runs)
    worst = max(case["page_ms_median"] for case in pages.values())
    print(
        json.dumps(
            {
                "benchmark": "inbox",
                "database": vendor,
                "items": args.items,
                "accounts": args.accounts,
                "duplicate_share": args.duplicates,
                "ingestion": ingestion,
                "first_page": pages,
                "target_first_page_ms_median": 100,
                "worst_first_page_ms_median": worst,
                "meets_target": worst < 100,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
