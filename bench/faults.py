"""Fault runs during a publishing load: for each fault, posts are published exactly once,
none is lost, and /ops/status.json shows the incident while it lasts and is healthy again
afterwards, with no person stepping in. Prints JSON.

Stack (the building blocks of bench/publish.py): the sandbox network on gunicorn, one
Celery worker on every queue, Celery beat, PostgreSQL (database ``bench_faults``) and a
redis-server of its own on a free port (so restarting it touches no one else). Publishing
timings are shortened (lease 20 s, queue lease 15 s, sweep every 5 s) so recoveries fit in
a run.

Faults (``--only`` picks some; default all but postgres):
- worker_kill: SIGKILL the worker for 75 s mid-load, then start a new one (what a
  process supervisor does);
- redis_restart: stop the broker/cache Redis (its queued messages are lost) for 5 s;
- storm_429 / storm_503: the sandbox answers 60 % of calls with 429 (Retry-After 2 s) or
  503 for 30 s;
- slow: the sandbox takes 3 s per call for 30 s;
- postgres: ``pg_ctlcluster <version> main restart`` (the machine's shared server: brief,
  and only with ``--only postgres`` or ``--with-postgres``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/faults.py [--only worker_kill,storm_429] [--with-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import answers, recreate_database  # noqa: E402
from bench.publish import Procs, free_port, percentile, wait_for  # noqa: E402

PY = sys.executable
FAULTS = ["worker_kill", "redis_restart", "storm_429", "storm_503", "slow", "postgres"]
OPS_TOKEN = "bench-faults-ops-token"


class StatusWatch(threading.Thread):
    """Polls /ops/status.json once a second: what monitoring would have seen."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.samples, self.running = url, [], True

    def run(self):
        import requests

        while self.running:
            at = time.monotonic()
            try:
                answer = requests.get(self.url, headers={"Authorization": f"Bearer {OPS_TOKEN}"}, timeout=5)
                body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
                self.samples.append((at, answer.status_code, body.get("healthy"), body.get("incidents", [])))
            except Exception as exc:  # noqa: BLE001 - the page being down is itself a sample
                self.samples.append((at, None, None, [f"status page unreachable: {exc.__class__.__name__}"]))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - at)))

    def between(self, start: float, end: float):
        return [s for s in self.samples if start <= s[0] <= end]


def main() -> None:  # noqa: C901 - one linear script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help=f"comma-separated, from {FAULTS}")
    parser.add_argument("--with-postgres", action="store_true")
    parser.add_argument("--posts", type=int, default=150, help="posts per fault run")
    parser.add_argument("--spread", type=float, default=40.0, help="seconds the posts are spread over")
    parser.add_argument("--accounts", type=int, default=30)
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else [f for f in FAULTS if f != "postgres" or args.with_postgres]

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates bench_faults there)")
    parts = urlsplit(base_url)
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_faults")

    recreate_database(base_url, db_name)

    tmp = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    print(f"logs: {tmp}", file=sys.stderr)
    port, redis_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "REDIS_URL": redis_url,
        "SMM_VAR_DIR": str(tmp / "var"),
        "SANDBOX_ENABLED": "true",
        "DEBUG": "true",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "CELERY_SKIP_CHECKS": "1",
        "OPS_STATUS_TOKEN": OPS_TOKEN,
        "PUBLISH_LEASE": "20",
        "PUBLISH_QUEUE_LEASE": "15",
        "PUBLISH_SWEEP": "5",
        "PUBLISH_RETRY_BASE": "2",
    }
    (tmp / "var").mkdir()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smm.settings"

    procs = Procs(env, tmp)
    redis_args = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    procs.start("redis", redis_args)
    import redis as redis_lib

    rds = redis_lib.Redis.from_url(redis_url)
    wait_for(lambda: _ping(rds), 20, "redis")
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.db import close_old_connections

    from posts.models import Post, PostTarget, TargetState
    from sandbox.models import SandboxAccount, SandboxFaults, SandboxStatus
    from smm.models import Brand, SocialAccount, Workspace

    ws = Workspace.objects.create(name="Faults")
    brand = Brand.objects.create(workspace=ws, name="Faults Brand")
    accounts = []
    for i in range(args.accounts):
        remote = SandboxAccount.objects.create(username=f"fault{i}")
        accounts.append(
            SocialAccount.objects.create(
                brand=brand,
                network="mastodon",
                handle=f"@fault{i}",
                remote_id=str(remote.pk),
                base_url=f"http://127.0.0.1:{port}/sandbox",
                credentials={"access_token": remote.issue_token().token},
            )
        )
    SandboxFaults.store({"latency_ms": 50})
    worker_args = [
        PY, "-m", "celery", "-A", "bench.publish_worker", "worker",
        "-Q", "publish,default,metrics,inbox,webhooks,media", "-P", "threads", "-c", "16",
        "-l", "warning", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    results: dict = {"config": {"posts_per_run": args.posts, "spread_s": args.spread, "accounts": args.accounts}}
    watch = StatusWatch(f"http://127.0.0.1:{port}/ops/status.json")
    try:
        procs.start(
            "web",
            [PY, "-m", "gunicorn", "smm.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread", "-w", "2", "--threads",
             "16", "--preload", "--log-level", "warning"],
        )  # fmt: skip
        procs.start("worker", worker_args)
        procs.start("beat", [PY, "-m", "celery", "-A", "smm", "beat", "-l", "warning", "-s", str(tmp / "beat")])
        import requests

        wait_for(lambda: answers(requests, f"http://127.0.0.1:{port}/healthz"), 60, "the web server")
        watch.start()
        # healthy to begin with: heartbeats on every queue and the dispatcher ticking
        wait_for(lambda: watch.samples and watch.samples[-1][2] is True, 120, "a healthy status page")

        def make_posts(label: str) -> list[int]:
            first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
            posts = Post.objects.bulk_create(
                [
                    Post(
                        workspace=ws,
                        brand=brand,
                        text=f"{label} {i} {uuid.uuid4().hex[:10]}",
                        scheduled_at=first + dt.timedelta(seconds=args.spread * i / args.posts),
                        status="scheduled",
                    )
                    for i in range(args.posts)
                ]
            )
            targets = PostTarget.objects.bulk_create(
                [
                    PostTarget(
                        post=p,
                        account=accounts[i % len(accounts)],
                        text=p.text,
                        state=TargetState.SCHEDULED,
                        due_at=p.scheduled_at,
                    )
                    for i, p in enumerate(posts)
                ]
            )
            return [t.pk for t in targets]

        def settled(ids):
            close_old_connections()
            try:
                return not PostTarget.objects.filter(pk__in=ids).exclude(state=TargetState.PUBLISHED).exists()
            except Exception:  # noqa: BLE001 - the database may be restarting
                return False

        def audit(ids, label) -> dict:
            close_old_connections()
            # lateness from the post's chosen time (due_at moves forward with each retry)
            rows = list(
                PostTarget.objects.filter(pk__in=ids).values_list("state", "published_at", "post__scheduled_at")
            )
            per_text: dict = {}
            for text in SandboxStatus.objects.filter(text__startswith=f"{label} ").values_list("text", flat=True):
                per_text[text] = per_text.get(text, 0) + 1
            lateness = [(pub - due).total_seconds() for state, pub, due in rows if state == TargetState.PUBLISHED]
            states: dict = {}
            for state, _, _ in rows:
                states[state] = states.get(state, 0) + 1
            return {
                "posts": len(ids),
                "published": states.get(TargetState.PUBLISHED, 0),
                "lost": len(ids) - states.get(TargetState.PUBLISHED, 0),
                "states": states,
                "on_sandbox": len(per_text),
                "duplicated": sum(n - 1 for n in per_text.values() if n > 1),
                "lateness_p50_s": round(percentile(lateness, 0.5), 2) if lateness else None,
                "lateness_max_s": round(max(lateness), 2) if lateness else None,
            }

        for fault in chosen:
            label = f"fault-{fault}"
            ids = make_posts(label)
            time.sleep(10)  # the load is under way
            fault_start = time.monotonic()
            note = ""
            if fault == "worker_kill":
                os.killpg(procs.procs["worker"].pid, signal.SIGKILL)
                procs.procs.pop("worker").wait(timeout=10)
                time.sleep(75)
                procs.start("worker", worker_args)
                note = "worker SIGKILLed, a new one started 75 s later"
            elif fault == "redis_restart":
                procs.stop("redis")
                time.sleep(5)
                procs.start("redis", redis_args)
                wait_for(lambda: _ping(rds), 20, "redis again")
                note = "own redis-server stopped for 5 s (queued messages lost) and started again"
            elif fault in ("storm_429", "storm_503", "slow"):
                faults = {
                    "storm_429": {"latency_ms": 50, "rate_429": 0.6, "retry_after": 2},
                    "storm_503": {"latency_ms": 50, "rate_503": 0.6},
                    "slow": {"latency_ms": 3000},
                }[fault]
                SandboxFaults.store(faults)
                time.sleep(30)
                SandboxFaults.store({"latency_ms": 50})
                note = f"sandbox faults {faults} for 30 s"
            elif fault == "postgres":
                version = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()[0]
                subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True)
                note = f"pg_ctlcluster {version} main restart"
            fault_end = time.monotonic()
            recovered = True
            try:
                wait_for(lambda ids=ids: settled(ids), 300, f"{fault}: every post published", interval=1)
            except SystemExit:
                recovered = False
            try:
                wait_for(lambda: watch.samples[-1][2] is True, 180, f"{fault}: a healthy status page", interval=1)
                healthy_again = True
            except SystemExit:
                healthy_again = False
            during = watch.between(fault_start, fault_end + 30)
            seen = sorted({i for s in during if s[2] is not True for i in (s[3] or ["not healthy"])})
            results[fault] = {
                "what": note,
                **audit(ids, label),
                "all_published_within_300s": recovered,
                "status_showed_incident": bool(seen),
                "incidents_seen": seen[:6],
                "status_healthy_again": healthy_again,
            }
            print(json.dumps({fault: results[fault]}), file=sys.stderr)
    finally:
        watch.running = False
        procs.stop_all()
        from django.db import connections

        connections.close_all()
    print(json.dumps(results, indent=2))


def _ping(rds) -> bool:
    try:
        return bool(rds.ping())
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    main()
