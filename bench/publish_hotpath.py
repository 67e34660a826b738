"""The publish task's own cost, in process: N queued targets published one after another by
``posts.publishing.publish_target`` (what the worker's task calls) over HTTP to
bench/standin.py (no latency), on PostgreSQL with production settings. Prints JSON: CPU
milliseconds per publish of this process (the worker's share without Celery) and of its
PostgreSQL backend (read from /proc: the server must run on this machine), queries per
publish, and, with ``--profile``, cProfile's top functions by cumulative time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/publish_hotpath.py \\
        [--targets 500] [--rounds 3] [--profile]

The database ``bench_hotpath`` (BENCH_DATABASE_NAME) is (re)created. Medians over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import answers, production_env, recreate_database  # noqa: E402
from bench.publish import Procs, free_port, wait_for  # noqa: E402

PY = sys.executable


def main() -> None:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=500, help="publishes per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="cProfile one extra round, print the top functions")
    parser.add_argument("--show-queries", action="store_true", help="the SQL of one publish, in order")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server")
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_hotpath")
    parts = urlsplit(base_url)

    recreate_database(base_url, db_name)

    tmp = Path(tempfile.mkdtemp(prefix="bench-hotpath-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "SMM_VAR_DIR": str(tmp / "var"),
        **production_env("hotpath"),
        "ALLOW_PRIVATE_OUTBOUND": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "CELERY_SKIP_CHECKS": "1",
    }
    (tmp / "var").mkdir()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smm.settings"
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    import requests
    from django.db import connection
    from django.utils import timezone

    from posts import publishing
    from posts.models import Post, PostTarget, TargetState
    from smm.models import Brand, SocialAccount, Workspace

    ws = Workspace.objects.create(name="Hot path")
    brand = Brand.objects.create(workspace=ws, name="Hot path brand")
    tokens = [f"hp-{i}-{uuid.uuid4().hex}" for i in range(args.accounts)]
    (tmp / "tokens.txt").write_text("\n".join(tokens))
    network = f"http://127.0.0.1:{port}"
    accounts = [
        SocialAccount.objects.create(
            brand=brand,
            network="mastodon",
            handle=f"@hp{i}",
            remote_id=str(i + 1),
            base_url=network,
            credentials={"access_token": token},
        )
        for i, token in enumerate(tokens)
    ]
    procs = Procs(env, tmp)
    procs.start(
        "network",
        [PY, "bench/standin.py", "--serve", "--port", str(port), "--latency-ms", "0"]
        + ["--tokens", str(tmp / "tokens.txt")],
    )

    def make_queued(count: int, label: str) -> list[int]:
        now = timezone.now()
        posts = Post.objects.bulk_create(
            [
                Post(workspace=ws, brand=brand, text=f"{label} {i}", scheduled_at=now, status="publishing")
                for i in range(count)
            ]
        )
        targets = PostTarget.objects.bulk_create(
            [
                PostTarget(
                    post=post,
                    account=accounts[i % len(accounts)],
                    text=post.text,
                    state=TargetState.QUEUED,
                    due_at=now,
                    queued_at=now,
                    locked_until=now + timezone.timedelta(seconds=600),
                )
                for i, post in enumerate(posts)
            ]
        )
        return [t.pk for t in targets]

    class Counter:
        def __init__(self):
            self.queries = self.commits = 0

            self.sql: list[str] = []

        def __call__(self, execute, sql, params, many, context):
            self.queries += 1
            if len(self.sql) < 40:
                self.sql.append(sql[:300])
            return execute(sql, params, many, context)

    results: dict = {"config": {"targets_per_round": args.targets, "rounds": args.rounds, "accounts": args.accounts}}
    try:
        wait_for(lambda: answers(requests, f"{network}/_bench/stats"), 30, "the stand-in")
        # warm up: imports, the adapter registry, the thread's session and connection
        for pk in make_queued(20, "warm"):
            publishing.publish_target(pk)
        if args.show_queries:
            (pk,) = make_queued(1, "show")
            counter = Counter()
            with connection.execute_wrapper(counter):
                publishing.publish_target(pk)
            results["queries_of_one_publish"] = counter.sql
        rounds = []
        for r in range(args.rounds):
            ids = make_queued(args.targets, f"round{r}")
            counter = Counter()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            before_pg = _proc_cpu(backend)
            before_cpu, before_wall = time.process_time(), time.perf_counter()
            with connection.execute_wrapper(counter):
                outcomes = [publishing.publish_target(pk) for pk in ids]
            cpu = time.process_time() - before_cpu
            wall = time.perf_counter() - before_wall
            pg_cpu = _proc_cpu(backend) - before_pg
            published = outcomes.count("published")
            rounds.append(
                {
                    "published": published,
                    "cpu_ms_per_publish": round(cpu * 1000 / len(ids), 3),
                    "postgres_backend_cpu_ms_per_publish": round(pg_cpu * 1000 / len(ids), 3),
                    "wall_ms_per_publish": round(wall * 1000 / len(ids), 3),
                    "queries_per_publish": round(counter.queries / len(ids), 2),
                }
            )
        results["rounds"] = rounds
        results["median_cpu_ms_per_publish"] = statistics.median(r["cpu_ms_per_publish"] for r in rounds)
        results["median_postgres_backend_cpu_ms_per_publish"] = statistics.median(
            r["postgres_backend_cpu_ms_per_publish"] for r in rounds
        )
        results["median_wall_ms_per_publish"] = statistics.median(r["wall_ms_per_publish"] for r in rounds)
        results["queries_per_publish"] = rounds[-1]["queries_per_publish"]
        stats = requests.get(f"{network}/_bench/statuses", params={"prefix": "round"}, timeout=30).json()
        results["duplicates"] = sum(n - 1 for n in stats.values() if n > 1)
        results["published_total"] = sum(r["published"] for r in rounds)
        if args.profile:
            import cProfile
            import io
            import pstats

            ids = make_queued(args.targets, "profile")
            profiler = cProfile.Profile()
            profiler.enable()
            for pk in ids:
                publishing.publish_target(pk)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            (tmp / "profile.txt").write_text(out.getvalue())
            profiler.dump_stats(str(tmp / "profile.pstats"))
            results["profile"] = str(tmp / "profile.txt")
    finally:
        procs.stop_all()
        from django.db import connections

        connections.close_all()
    print(json.dumps(results, indent=2))


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (0 if it is not here)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
