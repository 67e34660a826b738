"""Calendar benchmark: the month feed and the calendar page of a busy brand.

A brand with 3,000 posts in one month (each with a target, a third with an image), in a
database of 100,000 posts overall (other months, other brands); then the median and p95
server time of the month's JSON feed (as FullCalendar asks for it, with slots) and of the
rendered calendar page, and the query count of each, also for a quiet month of the same
brand (100 posts) to show the count does not depend on the number of posts, and the
feed's size. Prints JSON. Target: feed median < 100 ms.

Runs in its own database: with DATABASE_URL pointing at PostgreSQL it (re)creates
``bench_calendar`` (BENCH_DATABASE_NAME) on that server; otherwise a SQLite file in a
temporary folder. ``python bench/calendar_feed.py --total 20000`` for a quick run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def choose_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = os.environ.get("BENCH_DATABASE_NAME", "bench_calendar")
        parts = urlsplit(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}")), "postgresql"
    folder = tempfile.mkdtemp(prefix="bench-calendar-")
    return f"sqlite:///{folder}/bench.sqlite3", "sqlite"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    os.environ.setdefault("SMM_VAR_DIR", tempfile.mkdtemp(prefix="bench-calendar-var-"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build_world(busy: int, quiet: int, total: int, month: dt.date, quiet_month: dt.date):
    from django.contrib.auth import get_user_model

    from posts.models import MediaAsset, Post, PostingSlot, PostMedia, PostTarget
    from smm.models import Brand, Membership, SocialAccount, Workspace, profile_for

    workspace = Workspace.objects.create(name="Bench", slug="bench")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    profile = profile_for(user)
    profile.time_zone = "Europe/Paris"
    profile.save()
    brands = [
        Brand.objects.create(workspace=workspace, name=f"Brand {i}", time_zone="America/New_York") for i in range(5)
    ]
    accounts = {
        b.pk: [
            SocialAccount.objects.create(
                brand=b, network=n, handle=f"@{n}{b.pk}", remote_id=f"{n}{b.pk}", credentials={}
            )
            for n in ("mastodon", "bluesky", "x")
        ]
        for b in brands
    }
    for weekday in range(7):
        PostingSlot.objects.create(brand=brands[0], weekday=weekday, time=dt.time(9, 0))
        PostingSlot.objects.create(brand=brands[0], weekday=weekday, time=dt.time(17, 30))
    asset = MediaAsset.objects.create(
        workspace=workspace, file="media/b.jpg", thumbnail="media/t.jpg", mime_type="image/jpeg"
    )
    start = dt.datetime.combine(month, dt.time(0, 0), tzinfo=dt.UTC)
    month_seconds = 28 * 86400
    far = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    calm = dt.datetime.combine(quiet_month, dt.time(0, 0), tzinfo=dt.UTC)

    def when(i: int) -> dt.datetime:
        if i < busy:  # the busy brand's month
            return start + dt.timedelta(seconds=(i * 7919) % month_seconds)
        if i < busy + quiet:  # the same brand's quiet month
            return calm + dt.timedelta(seconds=(i * 7919) % month_seconds)
        return far + dt.timedelta(hours=(i * 13) % (24 * 365 * 5))  # spread over five years

    batch = 5000
    for first in range(0, total, batch):
        rows = []
        for i in range(first, min(total, first + batch)):
            brand = brands[0] if i < busy + quiet else brands[i % 5]
            rows.append(
                Post(
                    workspace=workspace,
                    brand=brand,
                    author=user,
                    text=f"Post {i}: fresh beans, a new roast and a tasting on Friday at the shop",
                    scheduled_at=when(i),
                    status="scheduled" if i % 4 else "published",
                )
            )
        posts = Post.objects.bulk_create(rows)
        PostTarget.objects.bulk_create(
            PostTarget(
                post=p,
                account=accounts[p.brand_id][i % 3],
                state="scheduled" if p.status == "scheduled" else "published",
                due_at=p.scheduled_at,
            )
            for i, p in enumerate(posts)
        )
        PostMedia.objects.bulk_create(PostMedia(post=p, asset=asset) for p in posts[::3])
    return workspace, user, brands[0]


def timed(client, url, params, runs):
    from django.db import connection, reset_queries

    times, queries = [], 0
    client.get(url, params)  # warm
    for _ in range(runs):
        reset_queries()
        began = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - began) * 1000)
        queries = len(connection.queries)
        assert response.status_code == 200, response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1), "queries": queries}, response


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--busy", type=int, default=3000, help="posts of the busy brand in the month")
    parser.add_argument("--quiet", type=int, default=100, help="posts of the same brand in a quiet month")
    parser.add_argument("--total", type=int, default=100_000, help="posts in the database overall")
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()

    database_url, engine = choose_database()
    setup_django(database_url)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    month = dt.date(2031, 2, 1)  # a 28-day February, all of it in one month grid
    began = time.perf_counter()
    workspace, user, brand = build_world(args.busy, args.quiet, args.total, month, dt.date(2031, 5, 1))
    build_s = time.perf_counter() - began
    client = Client()
    client.force_login(user)
    feed_url = f"/w/{workspace.slug}/calendar/events/"
    page_url = f"/w/{workspace.slug}/calendar/"
    busy_range = {"start": "2031-01-27T00:00:00+01:00", "end": "2031-03-10T00:00:00+01:00", "slots": "1"}
    # The busy brand's quiet month (May 2031): a hundred posts instead of 3,000.
    quiet_range = {"start": "2031-04-28T00:00:00+02:00", "end": "2031-06-09T00:00:00+02:00", "slots": "1"}
    with override_settings(DEBUG=True):  # to count queries
        connection.force_debug_cursor = True
        feed_all, response = timed(client, feed_url, busy_range, args.runs)
        events = response.json()["events"]
        feed_brand, _ = timed(client, feed_url, {**busy_range, "brand": brand.pk}, args.runs)
        feed_quiet, quiet = timed(client, feed_url, quiet_range, args.runs)
        page, _ = timed(client, page_url, {"view": "month", "date": "2031-02-01", "brand": brand.pk}, args.runs)
    result = {
        "benchmark": "calendar_feed",
        "database": engine,
        "posts_total": args.total,
        "posts_in_month": args.busy,
        "build_seconds": round(build_s, 1),
        "feed_month": {
            **feed_all,
            "events": len(events),
            "bytes": len(response.content),
            "posts": sum(e["extendedProps"]["kind"] == "post" for e in events),
        },
        "feed_month_brand_filter": feed_brand,
        "feed_quiet_month": {
            **feed_quiet,
            "posts": sum(e["extendedProps"]["kind"] == "post" for e in quiet.json()["events"]),
        },
        "calendar_page": page,
        "query_count_independent_of_posts": feed_all["queries"] == feed_quiet["queries"],
        "target_feed_median_under_100ms": feed_all["median_ms"] < 100,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
