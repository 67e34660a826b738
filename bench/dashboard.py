"""Analytics benchmark on PostgreSQL: dashboard server times against the best single SQL
query (the limit), and bulk ingest against COPY. Prints JSON.

    .venv/bin/python bench/dashboard.py [--posts 200000] [--brands 20] [--accounts 100]
        [--days 730] [--runs 15] [--ingest 1000000] [--reuse]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_analytics), created and migrated if missing.
The history comes from the demo generator (analytics/history.py), loaded with COPY.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import DEV_ENCRYPTION_KEY, production_env  # noqa: E402

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_analytics")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("SMM_VAR_DIR", "/tmp/smm-bench-analytics")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production settings, as a deployed server runs (DEBUG=false: no query log, compiled
# static manifest); the encryption key is the development one the data set was built with.
os.environ.update(production_env("dashboard", encryption_key=DEV_ENCRYPTION_KEY))
Path(os.environ["SMM_VAR_DIR"]).mkdir(parents=True, exist_ok=True)


def ensure_database():
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database()
import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics import charts, history, kpis  # noqa: E402
from analytics.collection import ingest_post_metrics  # noqa: E402
from analytics.periods import Period, last_complete_week  # noqa: E402
from smm.models import Brand, Membership, SocialAccount, Workspace  # noqa: E402
from smm.platforms.base import PostMetrics  # noqa: E402

NETWORKS = ["instagram", "linkedin", "facebook", "x", "mastodon"]
SLUG = "bench"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def copy_frame(table: str, frame: pd.DataFrame, chunk: int = 500_000) -> None:
    """COPY a frame into a table (CSV; \\N is NULL, so empty strings stay empty strings)."""
    columns = ", ".join(frame.columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for start in range(0, len(frame), chunk):
            buffer = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(buffer, index=False, header=False, na_rep="\\N")
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                copy.write(buffer.getvalue())


def next_ids(table: str, n: int) -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = cursor.fetchone()[0] + 1
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + n])
    return np.arange(first, first + n)


def build(args) -> Workspace:
    now = timezone.now()
    log("building the data set ...")
    Workspace.objects.filter(slug=SLUG).delete()
    ws = Workspace.objects.create(name="Bench Agency", slug=SLUG, time_zone="Europe/Berlin")
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"email": "bench@example.com"})
    Membership.objects.get_or_create(workspace=ws, user=user, defaults={"role": "owner"})
    rng = np.random.default_rng(7)
    specs = []
    for b in range(args.brands):
        brand = Brand.objects.create(workspace=ws, name=f"Brand {b:02d}", time_zone="Europe/Berlin")
        for a in range(args.accounts // args.brands):
            network = NETWORKS[a % len(NETWORKS)]
            account = SocialAccount.objects.create(
                brand=brand, network=network, handle=f"@b{b}a{a}", remote_id=f"b{b}a{a}", credentials={}
            )
            specs.append(
                history.AccountSpec(account.pk, brand.pk, ws.pk, network, ws.time_zone, int(rng.uniform(1000, 50000)))
            )
    today = now.astimezone(ws.tz).date()
    started = time.perf_counter()
    data = history.generate(
        specs,
        start=today - dt.timedelta(days=args.days),
        end=today,
        now=now,
        posts_per_brand_day=args.posts / (args.brands * (args.days + 1)),
        seed=42,
        target_share=0.8,
    )
    posts, targets, snapshots, daily = data["posts"], data["targets"], data["snapshots"], data["daily"]
    log(f"generated {len(posts)} posts, {len(targets)} targets, {len(snapshots)} snapshots in "
        f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    started = time.perf_counter()
    post_ids = next_ids("posts_post", len(posts))
    stamp = now.isoformat()
    copy_frame(
        "posts_post",
        pd.DataFrame(
            {
                "id": post_ids,
                "workspace_id": ws.pk,
                "brand_id": posts["brand_id"].to_numpy(),
                "text": [history.TEXTS[i][:40] for i in posts["text_index"].to_numpy()],
                "link": "",
                "scheduled_at": posts["published_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00").to_numpy(),
                "status": "published",
                "created_at": stamp,
                "updated_at": stamp,
            }
        ),
    )
    target_ids = next_ids("posts_posttarget", len(targets))
    published = targets["published_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00").to_numpy()
    copy_frame(
        "posts_posttarget",
        pd.DataFrame(
            {
                "id": target_ids,
                "post_id": post_ids[targets["post_key"].to_numpy()],
                "account_id": targets["account_id"].to_numpy(),
                "text": "",
                "state": "published",
                "due_at": published,
                "idempotency_key": [str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**62, len(targets))],
                "publish_state": "{}",
                "attempts": 1,
                "published_at": published,
                "remote_id": target_ids.astype(str),
                "remote_url": "",
                "error_kind": "",
                "error_message": "",
                "error_user_message": "",
                "created_at": stamp,
                "updated_at": stamp,
            }
        ),
    )
    metric_frame = snapshots[history.METRICS].astype("Int64")
    snap = pd.concat(
        [
            pd.DataFrame(
                {
                    "target_id": target_ids[snapshots["target_key"].to_numpy()],
                    "captured_at": snapshots["captured_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00").to_numpy(),
                }
            ),
            metric_frame,
        ],
        axis=1,
    )
    copy_frame("analytics_postmetricsnapshot", snap)
    latest = history.latest_of(snapshots)
    keys = latest["target_key"].to_numpy()
    latest_frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "target_id": target_ids[keys],
                    "post_id": post_ids[targets["post_key"].to_numpy()[keys]],
                    "workspace_id": ws.pk,
                    "brand_id": targets["brand_id"].to_numpy()[keys],
                    "account_id": targets["account_id"].to_numpy()[keys],
                    "network": targets["network"].to_numpy()[keys],
                    "published_at": published[keys],
                    "captured_at": latest["captured_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00").to_numpy(),
                    "engagements": history.engagements_column(latest).astype("Int64").to_numpy(),
                }
            ),
            latest[history.METRICS].astype("Int64").reset_index(drop=True),
        ],
        axis=1,
    )
    copy_frame("analytics_postmetriclatest", latest_frame)
    copy_frame(
        "analytics_accountdailysnapshot",
        pd.DataFrame(
            {
                "account_id": daily["account_id"],
                "date": pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d"),
                "captured_at": pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d 06:00:00+00"),
                "followers": daily["followers"].astype("Int64"),
                "following": daily["following"].astype("Int64"),
                "posts_count": daily["posts_count"].astype("Int64"),
            }
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"loaded with COPY in {time.perf_counter() - started:.0f} s")
    return ws


LIMIT_SQL = """
WITH p AS (
  SELECT network, published_at >= %(start)s AS cur,
         count(*) AS measured, sum(impressions) AS impressions, sum(reach) AS reach,
         sum(engagements) AS engagements, sum(clicks) AS clicks,
         count(*) FILTER (WHERE impressions > 0) AS rate_posts,
         sum(engagements) FILTER (WHERE impressions > 0) AS rate_engagements,
         sum(impressions) FILTER (WHERE impressions > 0) AS rate_impressions,
         sum(clicks) FILTER (WHERE impressions > 0 AND clicks IS NOT NULL) AS ctr_clicks,
         sum(impressions) FILTER (WHERE impressions > 0 AND clicks IS NOT NULL) AS ctr_impressions
  FROM analytics_postmetriclatest
  WHERE brand_id = ANY(%(brands)s) AND published_at >= %(prev_start)s AND published_at < %(end)s
  GROUP BY 1, 2
), t AS (
  SELECT a.network, pt.published_at >= %(start)s AS cur, count(*) AS published, count(DISTINCT pt.post_id) AS posts
  FROM posts_posttarget pt JOIN smm_socialaccount a ON a.id = pt.account_id
  WHERE a.brand_id = ANY(%(brands)s) AND pt.state = 'published'
    AND pt.published_at >= %(prev_start)s AND pt.published_at < %(end)s
  GROUP BY 1, 2
), f AS (
  SELECT a.network,
    sum(e.cur_end - s.cur_start) AS growth_cur, sum(s.cur_start - ps.prev_start) AS growth_prev
  FROM smm_socialaccount a
  CROSS JOIN LATERAL (SELECT followers AS cur_end FROM analytics_accountdailysnapshot d
                      WHERE d.account_id = a.id AND d.date <= %(end_date)s AND followers IS NOT NULL
                      ORDER BY date DESC LIMIT 1) e
  CROSS JOIN LATERAL (SELECT followers AS cur_start FROM analytics_accountdailysnapshot d
                      WHERE d.account_id = a.id AND d.date < %(start_date)s AND followers IS NOT NULL
                      ORDER BY date DESC LIMIT 1) s
  CROSS JOIN LATERAL (SELECT followers AS prev_start FROM analytics_accountdailysnapshot d
                      WHERE d.account_id = a.id AND d.date < %(prev_start_date)s AND followers IS NOT NULL
                      ORDER BY date DESC LIMIT 1) ps
  WHERE a.brand_id = ANY(%(brands)s)
  GROUP BY 1
)
SELECT coalesce(p.network, t.network, f.network), coalesce(p.cur, t.cur), p.impressions, p.reach, p.engagements,
       p.rate_engagements::float / nullif(p.rate_impressions, 0), p.clicks,
       p.ctr_clicks::float / nullif(p.ctr_impressions, 0), t.published, t.published - p.rate_posts,
       f.growth_cur, f.growth_prev
FROM p FULL JOIN t ON t.network = p.network AND t.cur = p.cur
FULL JOIN f ON f.network = coalesce(p.network, t.network)
"""


def limit_params(brand_ids, period: Period) -> dict:
    previous = period.previous()
    return {
        "brands": brand_ids,
        "start": period.start_at,
        "end": period.end_at,
        "prev_start": previous.start_at,
        "start_date": period.start,
        "end_date": period.end,
        "prev_start_date": previous.start,
    }


def timed(fn, runs: int) -> dict:
    fn()  # warm-up (connection, plans, imports)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1), "runs": runs}


def run_limit(brand_ids, period):
    with connection.cursor() as cursor:
        cursor.execute(LIMIT_SQL, limit_params(brand_ids, period))
        return cursor.fetchall()


def measure_views(ws, args) -> dict:
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    brands = list(Brand.objects.for_workspace(ws).values_list("pk", flat=True))
    week = last_complete_week(ws.tz)
    days90 = Period(week.end - dt.timedelta(days=89), week.end, ws.tz, "90d")
    base = f"/w/{ws.slug}/analytics/"
    counter = {"i": 0}

    def get(path):
        response = client.get(path, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.status_code
        return response

    def next_brand():
        counter["i"] += 1
        return brands[counter["i"] % len(brands)]

    results = {
        # The cheapest page of a workspace (its audit log: session, membership, layout, one
        # small query): what any authenticated page costs before it computes anything.
        "request_floor": {"page": f"/w/{ws.slug}/audit/", **timed(lambda: get(f"/w/{ws.slug}/audit/"), args.runs)}
    }
    cases = {
        "brand_week": (lambda: get(f"{base}?period=week&week={week.iso_week}&brand={next_brand()}"), week, "brand"),
        "brand_90d": (
            lambda: get(f"{base}?period=custom&start={days90.start}&end={days90.end}&brand={next_brand()}"),
            days90,
            "brand",
        ),
        "agency_overview": (lambda: get(f"{base}overview/?period=week&week={week.iso_week}"), week, "all"),
    }
    for name, (view, period, scope_kind) in cases.items():
        log(f"timing {name} ...")
        page = timed(view, args.runs)

        def kpi_only(period=period, scope_kind=scope_kind):
            ids = [next_brand()] if scope_kind == "brand" else brands
            kpis.compute(kpis.Scope(workspace=ws, brand_ids=ids, by="network" if scope_kind == "brand" else "brand"),
                         period)  # fmt: skip

        def limit(period=period, scope_kind=scope_kind):
            run_limit([next_brand()] if scope_kind == "brand" else brands, period)

        kpi = timed(kpi_only, args.runs)
        sql = timed(limit, args.runs)
        results[name] = {
            "period": f"{period.start} .. {period.end}",
            "page": page,
            "ratio_request_floor_to_limit": round(results["request_floor"]["median_ms"] / sql["median_ms"], 2),
            "kpi_figures_only": kpi,
            "limit_single_sql": sql,
            "ratio_page_to_limit": round(page["median_ms"] / sql["median_ms"], 2),
            "ratio_kpis_to_limit": round(kpi["median_ms"] / sql["median_ms"], 2),
        }
        if scope_kind == "brand":
            # Where the rest of a brand page goes (medians; the remainder is the request
            # cycle: session, membership, filters, template).
            def scope():
                return kpis.Scope(workspace=ws, brand_ids=[next_brand()])

            results[name]["page_sections_median_ms"] = {
                "charts": timed(lambda period=period: charts.dashboard_charts(scope(), period), args.runs)["median_ms"],
                "top_and_bottom_posts": timed(
                    lambda period=period: kpis.top_and_bottom_posts(scope(), period, limit=5), args.runs
                )["median_ms"],
            }
    return results


def measure_ingest(ws, n: int) -> dict:
    """The app's ingest (bulk insert + latest upsert, in batches of 10,000 as a pull
    would send) against COPY of the same rows."""
    from analytics.models import PostMetricSnapshot

    target_ids = list(
        PostMetricSnapshot.objects.none().model.objects.filter(target__post__workspace=ws)
        .values_list("target_id", flat=True).distinct()[: max(1, n // 5)]
    )  # fmt: skip
    rng = np.random.default_rng(1)
    chosen = rng.choice(np.array(target_ids), size=n)
    values = rng.integers(0, 5000, size=(n, 5))
    base = timezone.now()
    rows = [
        (int(t), base + dt.timedelta(seconds=i % 3600),
         PostMetrics(remote_id=str(t), impressions=int(v[0]), reach=int(v[1]), likes=int(v[2]), comments=int(v[3]),
                     shares=int(v[4])))
        for i, (t, v) in enumerate(zip(chosen, values, strict=True))
    ]  # fmt: skip
    log(f"ingesting {n} snapshots through the app ...")
    started = time.perf_counter()
    batch = 10_000
    for start in range(0, n, batch):
        ingest_post_metrics(rows[start : start + batch])
    app_seconds = time.perf_counter() - started
    frame = pd.DataFrame(
        {
            "target_id": chosen,
            "captured_at": (base + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S+00"),
            "impressions": values[:, 0],
            "reach": values[:, 1],
            "likes": values[:, 2],
            "comments": values[:, 3],
            "shares": values[:, 4],
        }
    )
    log("COPY of the same rows ...")
    started = time.perf_counter()
    copy_frame("analytics_postmetricsnapshot", frame, chunk=n)
    copy_seconds = time.perf_counter() - started
    return {
        "snapshots": n,
        "app_ingest_per_s": round(n / app_seconds),
        "app_ingest_seconds": round(app_seconds, 1),
        "app_ingest_includes": "snapshot rows + upsert of each target's latest row, batches of 10,000",
        "copy_per_s": round(n / copy_seconds),
        "copy_seconds": round(copy_seconds, 1),
        "copy_includes": "snapshot rows only, CSV generated by pandas (timed)",
        "ratio_copy_to_app": round(app_seconds / copy_seconds, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--brands", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ingest", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="Reuse the data set of an earlier run")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/dashboard.py needs PostgreSQL (BENCH_DATABASE_URL)")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    ws = Workspace.objects.filter(slug=SLUG).first()
    if ws is None or not args.reuse:
        ws = build(args)
    from analytics.models import AccountDailySnapshot, PostMetricLatest, PostMetricSnapshot
    from posts.models import Post, PostTarget

    sizes = {
        "brands": Brand.objects.filter(workspace=ws).count(),
        "accounts": SocialAccount.objects.filter(brand__workspace=ws).count(),
        "posts": Post.objects.filter(workspace=ws).count(),
        "targets": PostTarget.objects.filter(post__workspace=ws).count(),
        "post_snapshots": PostMetricSnapshot.objects.count(),
        "account_daily_snapshots": AccountDailySnapshot.objects.count(),
        "latest_rows": PostMetricLatest.objects.filter(workspace=ws).count(),
    }
    log(json.dumps(sizes))
    result = {
        "benchmark": "analytics dashboards",
        "database": f"postgresql {connection.pg_version // 10000}.{connection.pg_version % 10000}",
        "machine_cpus": os.cpu_count(),
        "data": sizes,
        "server_time": "in-process Django test client, DEBUG=false: middleware, views, queries, plotly JSON, templates",
        "dashboards": measure_views(ws, args),
    }
    if args.ingest:
        result["ingest"] = measure_ingest(ws, args.ingest)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
