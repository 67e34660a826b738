"""Bulk import benchmark: 10,000 CSV rows checked (dry run) and imported, through the
worker's own function (``posts.bulk.run``, in-process: no broker in the way).

The file: four accounts on four networks (Mastodon, Bluesky, X, Threads), one to three per
row; a third of the rows with their own X text; a tenth without a time (they fill the
brand's posting slots, 32 a day); a third with a library image by name, a fifth with a
link, a tenth with a campaign; 2 % of the rows with a mistake (an unknown account, a time
in the past), reported, not imported. Beside it in the same run, the baselines: reading
the file alone (decode + parse), and the composer's path (``posts.actions.create_post`` +
``schedule_post``, one post at a time, as the composer and the posts API do) on 200 rows,
extrapolated to the file's size. Prints JSON: seconds, rows/s, queries, peak memory
(the process's maximum resident size after each phase, and the Python heap peak of the
import itself, measured in a second, traced run of the dry run). Target: 10,000 rows
imported in under 60 s.

Runs in its own database: with DATABASE_URL pointing at PostgreSQL it (re)creates
``bench_bulk`` (BENCH_DATABASE_NAME) on that server; otherwise a SQLite file in a
temporary folder. ``python bench/bulk_import.py --rows 2000`` for a quick run.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def choose_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = os.environ.get("BENCH_DATABASE_NAME", "bench_bulk")
        parts = urlsplit(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}")), "postgresql"
    folder = tempfile.mkdtemp(prefix="bench-bulk-")
    return f"sqlite:///{folder}/bench.sqlite3", "sqlite"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    os.environ.setdefault("SMM_VAR_DIR", tempfile.mkdtemp(prefix="bench-bulk-var-"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


NETWORKS = [
    ("mastodon", "@cafe@social.example"),
    ("bluesky", "@cafe.bsky.social"),
    ("x", "@cafe_x"),
    ("threads", "@cafe_th"),
]


def build_world():
    from django.contrib.auth import get_user_model

    from posts.models import Campaign, MediaAsset, PostingSlot
    from smm.models import Brand, Membership, SocialAccount, Workspace

    workspace = Workspace.objects.create(name="Bench", slug="bench", approval_policy="none")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    membership = Membership.objects.create(workspace=workspace, user=user, role="owner")
    brand = Brand.objects.create(workspace=workspace, name="Bench Coffee", time_zone="Europe/Paris")
    for network, handle in NETWORKS:
        SocialAccount.objects.create(
            brand=brand,
            network=network,
            handle=handle,
            remote_id=handle,
            base_url="https://social.example" if network == "mastodon" else "",
            credentials={"access_token": "bench"},
        )
    PostingSlot.objects.bulk_create(
        [
            PostingSlot(brand=brand, weekday=d, time=dt.time(h, m))
            for d in range(7)
            for h in range(7, 23)
            for m in (0, 30)
        ]
    )
    MediaAsset.objects.bulk_create(
        [
            MediaAsset(
                workspace=workspace,
                file=f"media/bench/photo-{i}.jpg",
                original_name=f"photo-{i}.jpg",
                mime_type="image/jpeg",
                size=180_000,
                width=1600,
                height=1200,
                alt_text="A cup of coffee",
            )
            for i in range(20)
        ]
    )
    Campaign.objects.create(workspace=workspace, name="Spring launch")
    return workspace, brand, membership


def make_csv(rows: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["accounts", "text", "text_x", "media", "scheduled_at", "link", "campaign"])
    start = dt.date.today() + dt.timedelta(days=2)
    for i in range(rows):
        chosen = rng.sample(NETWORKS, rng.randint(1, 3))
        accounts = "|".join(f"{n}:{h}" if rng.random() < 0.5 else h for n, h in chosen)
        text = f"Post {i}: our single origin of the week, roasted on Tuesday. " + "Fresh beans, " * rng.randint(0, 8)
        if rng.random() < 0.2:
            text += "\nCome and taste it, the café opens at 8."
        text_x = f"Post {i} ☕ #coffee" if rng.random() < 0.33 else ""
        media = f"photo-{rng.randint(0, 19)}.jpg" if rng.random() < 0.33 else ""
        if rng.random() < 0.1:
            when = ""  # the next free slot
        else:
            day = start + dt.timedelta(days=rng.randint(0, 300))
            when = f"{day:%Y-%m-%d} {rng.randint(6, 22):02d}:{rng.choice([0, 15, 30, 45]):02d}"
        link = f"https://cafe.example/p/{i}" if rng.random() < 0.2 else ""
        campaign = "Spring launch" if rng.random() < 0.1 else ""
        mistake = rng.random()
        if mistake < 0.01:
            accounts = "@nobody_here"
        elif mistake < 0.02:
            when = "2020-01-06 09:00"
        writer.writerow([accounts, text, text_x, media, when, link, campaign])
    return out.getvalue()


class Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed_run(workspace, brand, membership, text: str, *, dry_run: bool) -> tuple[dict, object]:
    from django.db import connection

    from posts import bulk

    counter = Queries()
    job = bulk.start(
        workspace, brand, membership, content=text, file_name="bench.csv", dry_run=dry_run, in_background=False
    )
    with connection.execute_wrapper(counter):
        started, cpu = time.perf_counter(), time.process_time()
        bulk.run(job.pk)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    job.refresh_from_db()
    return {
        "seconds": round(seconds, 2),
        "rows_per_s": round(job.total_rows / seconds),
        "python_cpu_seconds": round(cpu, 2),
        "queries": counter.count,
        "ok_rows": job.ok_rows,
        "error_rows": job.error_rows,
        "imported_rows": job.imported_rows,
        "peak_rss_mb_after": peak_rss_mb(),
    }, job


def composer_path(workspace, brand, membership, text: str, sample: int, total: int) -> dict:
    """The composer's own actions, one post at a time (what a loop over the posts API does)."""
    from django.db import connection

    from posts import actions, bulk
    from posts.scheduling import resolve_local
    from smm.models import SocialAccount

    parsed = bulk.parse(text)
    accounts = {a.handle: a for a in SocialAccount.objects.filter(brand=brand)}
    counter = Queries()
    done = 0
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        for _, cells in parsed.rows:
            if done >= sample:
                break
            if not cells["scheduled_at"] or cells["scheduled_at"].startswith("2020") or "nobody" in cells["accounts"]:
                continue
            chosen = [accounts[t.split(":", 1)[-1]] for t in cells["accounts"].split("|")]
            day, clock = cells["scheduled_at"].split(" ")
            when = resolve_local(dt.date.fromisoformat(day), dt.time.fromisoformat(clock), brand.tz).utc
            variants = {a.pk: cells["text_x"] for a in chosen if a.network == "x" and cells["text_x"]}
            post = actions.create_post(
                workspace,
                brand,
                membership.user,
                cells["text"],
                chosen,
                variants=variants,
                link=cells["link"],
                membership=membership,
            )
            actions.schedule_post(post, when, membership.user, membership)
            done += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "rows": done,
        "seconds": round(seconds, 2),
        "rows_per_s": round(done / seconds),
        "python_cpu_seconds": round(cpu, 2),
        "queries_per_row": round(counter.count / done, 1),
        "extrapolated_seconds_for_file": round(seconds / done * total, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--composer-sample", type=int, default=200)
    args = parser.parse_args()

    database_url, vendor = choose_database()
    setup_django(database_url)
    from django.conf import settings

    settings.BULK_IMPORT_MAX_ROWS = max(args.rows, settings.BULK_IMPORT_MAX_ROWS)
    from posts import bulk
    from posts.models import Post

    workspace, brand, membership = build_world()
    text = make_csv(args.rows)
    result: dict = {
        "database": vendor,
        "rows": args.rows,
        "file_mb": round(len(text.encode()) / 1048576, 2),
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
    }

    started = time.perf_counter()
    parsed = bulk.parse(bulk.decode(text.encode()))
    parse_seconds = time.perf_counter() - started
    result["baseline_parse_only"] = {
        "seconds": round(parse_seconds, 3),
        "rows_per_s": round(len(parsed.rows) / parse_seconds),
    }

    result["dry_run"], _ = timed_run(workspace, brand, membership, text, dry_run=True)
    assert Post.objects.count() == 0, "a dry run created posts"
    result["import"], job = timed_run(workspace, brand, membership, text, dry_run=False)
    result["import"]["posts_created"] = Post.objects.filter(bulk_row__job=job).count()
    result["import"]["target"] = "10,000 rows in under 60 s"
    result["import"]["target_met"] = result["import"]["seconds"] < 60 * args.rows / 10_000

    # the Python heap's peak of a dry run, traced (tracing slows it down: not timed)
    tracemalloc.start()
    timed_run(workspace, brand, membership, text, dry_run=True)
    result["dry_run"]["python_heap_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1048576, 1)
    tracemalloc.stop()

    result["baseline_composer_path"] = composer_path(
        workspace, brand, membership, text, args.composer_sample, args.rows
    )
    result["speedup_vs_composer_path"] = round(
        result["baseline_composer_path"]["extrapolated_seconds_for_file"] / result["import"]["seconds"], 1
    )
    result["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
