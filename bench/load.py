"""HTTP load benchmark: locust against gunicorn (production settings) on PostgreSQL.

A marketer's mix (bench/load_users.py): calendar feed 40 %, inbox list 30 %, analytics
dashboard 15 %, post create through the API 15 %, against one workspace holding 3 brands,
9 accounts, 3,000 posts over two months and 1,500 inbox items. The load rises in steps of
concurrent users; the figure is the highest throughput whose p95 stays under 300 ms, and
the error rate (must be 0). Prints JSON.

Needs DATABASE_URL (PostgreSQL: the database ``bench_load`` is (re)created there) and
REDIS_URL (cache; default redis://127.0.0.1:6379/10). Every process it starts is stopped
by pid.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py \\
        [--steps 10,25,50,100] [--step-seconds 20] [--workers 3 --threads 8]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import production_env, recreate_database  # noqa: E402
from bench.publish import Procs, free_port, wait_for  # noqa: E402 - the shared building blocks

PY = sys.executable
P95_TARGET_MS = 300
PASSWORD = "load-test-passphrase-42"


def seed(now: dt.datetime) -> dict:
    from django.contrib.auth import get_user_model

    from inbox.models import InboxItem
    from posts.models import Post, PostTarget
    from smm.models import Brand, Membership, SocialAccount, Workspace
    from smm.models_api import ApiToken

    rng = random.Random(7)
    user = get_user_model().objects.create_user("loadtest", "load@example.com", PASSWORD)
    ws = Workspace.objects.create(name="Load Co", time_zone="Europe/Paris")
    Membership.objects.create(workspace=ws, user=user, role="owner")
    brands, accounts = [], []
    for b in range(3):
        brand = Brand.objects.create(workspace=ws, name=f"Brand {b}", time_zone="Europe/Paris")
        brands.append(brand)
        for network in ("mastodon", "x", "bluesky"):
            accounts.append(
                SocialAccount.objects.create(
                    brand=brand,
                    network=network,
                    handle=f"@{network}{b}",
                    remote_id=f"{network}-{b}",
                    base_url="https://mastodon.example" if network == "mastodon" else "",
                    credentials={"access_token": "t"},
                )
            )
    posts = []
    for i in range(3000):
        brand = brands[i % 3]
        when = now + dt.timedelta(minutes=rng.randint(-30 * 24 * 60, 30 * 24 * 60))
        posts.append(Post(workspace=ws, brand=brand, text=f"Post {i} about coffee #spring", scheduled_at=when))
    posts = Post.objects.bulk_create(posts)
    targets = []
    for post in posts:
        past = post.scheduled_at < now
        for account in [a for a in accounts if a.brand_id == post.brand_id][: rng.randint(1, 3)]:
            targets.append(
                PostTarget(
                    post=post,
                    account=account,
                    text=post.text,
                    state="published" if past else "scheduled",
                    due_at=post.scheduled_at,
                    published_at=post.scheduled_at + dt.timedelta(seconds=1) if past else None,
                )
            )
    PostTarget.objects.bulk_create(targets)
    Post.objects.filter(workspace=ws, scheduled_at__lt=now).update(status="published")
    Post.objects.filter(workspace=ws, scheduled_at__gte=now).update(status="scheduled")
    InboxItem.objects.bulk_create(
        [
            InboxItem(
                workspace=ws,
                account=accounts[i % len(accounts)],
                kind="comment" if i % 3 else "mention",
                remote_id=f"r{i}",
                author_handle=f"@fan{i}",
                text=f"Love the new blend! {i}",
                created_at=now - dt.timedelta(minutes=i * 7),
                thread_key=f"t{i // 3}",
                priority=rng.randint(0, 100),
            )
            for i in range(1500)
        ]
    )
    _, token = ApiToken.issue(ws, user, "load", "owner")
    return {
        "LOAD_WS": ws.slug,
        "LOAD_USER": user.username,
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_API_TOKEN": token,
        "LOAD_BRAND": str(brands[0].pk),
        "LOAD_ACCOUNTS": ",".join(str(a.pk) for a in accounts if a.brand_id == brands[0].pk),
    }


def read_stats(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        if name in ("login", "login page"):
            continue
        out[name] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="10,25,50,100", help="concurrent users per step")
    parser.add_argument("--step-seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates bench_load there)")
    parts = urlsplit(base_url)
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_load")

    recreate_database(base_url, db_name)

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    print(f"logs: {tmp}", file=sys.stderr)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/10",
        "SMM_VAR_DIR": str(tmp / "var"),
        **production_env("load"),
        "SANDBOX_ENABLED": "false",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "API_RATE_LIMIT": "1000000/min",  # one token drives the whole load
        "LOG_LEVEL": "WARNING",
    }
    (tmp / "var").mkdir()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smm.settings"
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.utils import timezone

    users_env = seed(timezone.now())
    procs = Procs({**env, **users_env}, tmp)
    results: dict = {
        "config": {
            "server": f"gunicorn gthread {args.workers}x{args.threads}, DEBUG=false, PostgreSQL, Redis cache",
            "mix": {"calendar feed": 40, "inbox list": 30, "analytics dashboard": 15, "post create (API)": 15},
            "data": "3 brands, 9 accounts, 3,000 posts over 2 months, 1,500 inbox items",
            "step_seconds": args.step_seconds,
            "cpus": os.cpu_count(),
        },
        "steps": [],
    }
    try:
        procs.start(
            "gunicorn",
            [PY, "-m", "gunicorn", "smm.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread", "-w", str(args.workers),
             "--threads", str(args.threads), "--log-level", "warning"],
        )  # fmt: skip
        import requests

        def up():
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, 60, "gunicorn")
        login = requests.Session()
        login.get(f"http://127.0.0.1:{port}/login/")
        for cookie in login.cookies:
            cookie.secure = False  # Secure in production settings; plain HTTP on loopback here
        answer = login.post(
            f"http://127.0.0.1:{port}/login/",
            {
                "username": users_env["LOAD_USER"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": login.cookies["csrftoken"],
            },
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise SystemExit(f"could not log in: {answer.status_code}")
        users_env["LOAD_SESSION"] = login.cookies["sessionid"]
        for users in [int(u) for u in args.steps.split(",")]:
            prefix = tmp / f"step{users}"
            with open(tmp / f"locust{users}.log", "w") as log:
                subprocess.run(
                [PY, "-m", "locust", "-f", str(ROOT / "bench" / "load_users.py"), "--headless", "--host",
                 f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(users), "-t", f"{args.step_seconds}s",
                 "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                cwd=ROOT, env={**env, **users_env}, check=False, stdout=subprocess.DEVNULL,
                stderr=log,
              )  # fmt: skip
            stats = read_stats(prefix)
            results["steps"].append({"users": users, **stats})
    finally:
        procs.stop_all()
        from django.db import connections

        connections.close_all()

    total = sum(s["all"]["requests"] for s in results["steps"] if "all" in s)
    failed = sum(s["all"]["failures"] for s in results["steps"] if "all" in s)
    within = [s for s in results["steps"] if "all" in s and s["all"]["p95_ms"] < P95_TARGET_MS]
    best = max(within, key=lambda s: s["all"]["rps"], default=None)
    results["summary"] = {
        "requests": total,
        "errors": failed,
        "error_rate": round(failed / total, 5) if total else None,
        "rps_at_p95_under_300ms": best["all"]["rps"] if best else None,
        "users_at_that_rps": best["users"] if best else None,
        "p95_ms_at_that_rps": best["all"]["p95_ms"] if best else None,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
