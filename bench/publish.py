"""Publishing benchmark: real Celery beat + worker on PostgreSQL + Redis, publishing over
HTTP to a Mastodon stand-in with 50 ms of latency per API call. Prints JSON.

The network (``--network``): ``standin`` (default) is bench/standin.py, one asyncio process
that answers Mastodon's shapes for ~0.1 ms of CPU a request, so the CPU the bench sees is
SMM's own; ``sandbox`` is SMM's Django sandbox on gunicorn (gthread 2x32), a full Django
request per call, as in the earlier runs.

Scenarios (both run by default):
- steady: 2,000 posts spread evenly over one minute (``--steady-posts``/``--steady-seconds``;
  ``--large``: 10,000 over five) on 200 accounts. Reports lateness (published_at - scheduled_at) p50/p95/p99/max,
  duplicates, losses and the worker's peak RSS. Target: p99 < 2 s, 0 duplicates, 0 losses.
- burst: 2,000 posts all due at the same second: drain time and throughput; then, with the
  same worker, the same number of no-op Celery tasks that sleep 50 ms (the limit of this
  worker setup). Throughput is quoted as a ratio of that limit. Target: >= 0.8.
  CPU per publish and per no-op task, each measured on its own: the worker, beat, the
  network, PostgreSQL (the bench database's backends, sampled from /proc; and the whole
  cluster, its background writers included) and Redis (the redis-server process).

Needs DATABASE_URL (PostgreSQL on this machine; the benchmark (re)creates its own database
``bench_smm``, BENCH_DATABASE_NAME) and REDIS_URL (its db is flushed). Every process it starts
(the network, beat, worker) is stopped by pid at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/publish.py [--only steady|burst] [--network standin|sandbox] [--large] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import statistics
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
from bench.production_env import production_env, recreate_database  # noqa: E402

PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(interval)
    return value


class Procs:
    def __init__(self, env: dict, logdir: Path):
        self.env, self.logdir, self.procs = env, logdir, {}

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.logdir / f"{name}.log", "w") as log:
            proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs[name] = proc
        return proc

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (threads included)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat: what
    everything else running on it (other jobs, PostgreSQL, Redis) takes is visible too."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def _proc_cpu(pid: int) -> tuple[float, float] | None:
    """(own, reaped children's) user + system CPU seconds of one process, or None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


class PostgresCpu(threading.Thread):
    """CPU of the PostgreSQL server on this machine, read from /proc (user + system time):

    - ``backends``: the backends connected to the bench's database (pg_stat_activity,
      sampled every 0.2 s; a backend that exits loses at most its last 0.2 s), the bench
      script's own connection excluded;
    - ``cluster``: every process of the server (all databases' backends, the WAL writer,
      checkpointer, background writer, autovacuum) plus the children it reaped meanwhile
      (the postmaster's children time): what PostgreSQL cost the machine, which counts other
      databases' work too (so quote it from a quiet machine only).
    """

    def __init__(self, admin_dsn: str, db_name: str, exclude: set[int]):
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(admin_dsn, autocommit=True)
        self.db_name, self.exclude = db_name, exclude
        own = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.postmaster = int(Path(f"/proc/{own}/stat").read_text().rsplit(")", 1)[1].split()[1])
        self.lock = threading.Lock()
        self.seen: dict[int, float] = {}  # bench backends: pid -> latest CPU seconds
        self.base: dict[int, float] = {}  # CPU at the start of the window (0 for later ones)
        self.running = True
        self.window_open = False

    def _backends(self) -> list[int]:
        rows = self.conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.db_name,)).fetchall()
        return [pid for (pid,) in rows if pid not in self.exclude]

    def sample(self) -> None:
        for pid in self._backends():
            cpu = _proc_cpu(pid)
            if cpu is None:
                continue
            with self.lock:
                if pid not in self.seen and self.window_open:
                    self.base.setdefault(pid, 0.0)
                self.seen[pid] = cpu[0]

    def run(self) -> None:
        while self.running:
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - a sampling miss must not end the bench
                pass
            time.sleep(0.2)

    def cluster(self) -> float:
        children = Path(f"/proc/{self.postmaster}/task/{self.postmaster}/children").read_text().split()
        own, reaped = _proc_cpu(self.postmaster) or (0.0, 0.0)
        return own + reaped + sum((_proc_cpu(int(pid)) or (0.0, 0.0))[0] for pid in children)

    def start_window(self) -> dict:
        self.sample()
        with self.lock:
            self.base = dict(self.seen)
            self.window_open = True
        return {"cluster": self.cluster()}

    def end_window(self, start: dict) -> dict:
        self.sample()
        with self.lock:
            backends = sum(self.seen[pid] - base for pid, base in self.base.items() if pid in self.seen)
            count = len(self.base)
            self.window_open = False
        return {"backends": backends, "backend_processes": count, "cluster": self.cluster() - start["cluster"]}

    def stop(self) -> None:
        self.running = False
        self.join(timeout=2)
        self.conn.close()


class CpuWindow:
    """CPU seconds per part of the stack between ``start()`` and ``stop()``."""

    def __init__(self, procs: dict, redis_pid: int | None, pg: PostgresCpu):
        self.procs, self.redis_pid, self.pg = procs, redis_pid, pg

    def _own(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, proc in self.procs.items():
            part = "worker" if name.startswith("worker") else name  # every worker process together
            out[part] = out.get(part, 0.0) + cpu_seconds(proc.pid)
        if self.redis_pid:
            out["redis"] = (_proc_cpu(self.redis_pid) or (0.0, 0.0))[0]
        return out

    def start(self) -> None:
        self.before, self.machine_before = self._own(), machine_cpu_seconds()
        self.pg_before = self.pg.start_window()

    def stop(self) -> dict[str, float]:
        pg = self.pg.end_window(self.pg_before)
        after, machine = self._own(), machine_cpu_seconds()
        out = {name: round(after[name] - self.before.get(name, 0.0), 3) for name in after}
        out["postgres_bench_backends"] = round(pg["backends"], 3)
        out["postgres_backend_processes"] = pg["backend_processes"]
        out["postgres_cluster"] = round(pg["cluster"], 3)
        out["machine_busy"] = round(machine[0] - self.machine_before[0], 2)
        out["machine_available"] = round(machine[1] - self.machine_before[1], 2)
        return out


def per_item_ms(cpu: dict[str, float], count: int) -> dict[str, float]:
    """CPU milliseconds per item of each part (counts and the machine's capacity left out)."""
    skip = {"postgres_backend_processes", "machine_available"}
    return {name: round(value * 1000 / max(1, count), 3) for name, value in cpu.items() if name not in skip}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["steady", "burst"])
    parser.add_argument("--large", action="store_true", help="steady: 10,000 posts over five minutes")
    parser.add_argument("--steady-posts", type=int, default=2000)
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    parser.add_argument(
        "--network", choices=["standin", "sandbox"], default="standin", help="what answers the Mastodon calls"
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16, help="worker pool size (threads or processes)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes, each with --concurrency")
    parser.add_argument(
        "--pool", choices=["prefork", "threads", "gevent"], default="threads", help="Celery pool (the limit's too)"
    )
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--debug", action="store_true", help="run worker and sandbox with DEBUG=true (as before)")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates bench_smm there)")
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4"
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_smm")
    parts = urlsplit(base_url)

    recreate_database(base_url, db_name)

    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    print(f"logs: {tmp}", file=sys.stderr)
    port = free_port()
    standin = args.network == "standin"
    network_url = f"http://127.0.0.1:{port}" + ("" if standin else "/sandbox")
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "REDIS_URL": redis_url,
        "SMM_VAR_DIR": str(tmp / "var"),
        "SANDBOX_ENABLED": "true",
        # Production settings, as a deployed worker runs (DEBUG=false: no query log, no
        # debug wrappers); loopback calls allowed because the sandbox is on 127.0.0.1.
        **({"DEBUG": "true"} if args.debug else production_env("publish")),
        "ALLOW_PRIVATE_OUTBOUND": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG", "warning").upper(),
        "CELERY_SKIP_CHECKS": "1",
    }
    (tmp / "var").mkdir()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smm.settings"
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    import redis

    from posts.models import Post, PostTarget, TargetState
    from sandbox.models import SandboxAccount, SandboxFaults, SandboxStatus
    from smm.models import Brand, SocialAccount, Workspace

    rds = redis.Redis.from_url(redis_url)
    rds.flushdb()

    # --- the network's accounts and ours ---
    ws = Workspace.objects.create(name="Bench")
    brand = Brand.objects.create(workspace=ws, name="Bench Brand")
    accounts, tokens = [], []
    for i in range(args.accounts):
        if standin:
            remote_id, token = str(i + 1), f"standin-{i}-{uuid.uuid4().hex}"
        else:
            remote = SandboxAccount.objects.create(username=f"bench{i}")
            remote_id, token = str(remote.pk), remote.issue_token().token
        tokens.append(token)
        accounts.append(
            SocialAccount.objects.create(
                brand=brand,
                network="mastodon",
                handle=f"@bench{i}",
                remote_id=remote_id,
                base_url=network_url,
                credentials={"access_token": token},
            )
        )
    (tmp / "tokens.txt").write_text("\n".join(tokens))
    if not standin:
        SandboxFaults.store({"latency_ms": args.latency_ms})

    procs = Procs(env, tmp)
    results: dict = {
        "config": {
            "accounts": args.accounts,
            "network": args.network,
            "network_latency_ms": args.latency_ms,
            "worker": f"{args.workers} x celery -P {args.pool} -c {args.concurrency}, prefetch 1, acks_late",
            "network_server": "bench/standin.py (asyncio)" if standin else "sandbox on gunicorn gthread 2x32",
            "cpus": os.cpu_count(),
        }
    }
    pg_meter = None
    try:
        network_args = [PY, "bench/standin.py", "--serve", "--port", str(port)]
        network_args += ["--latency-ms", str(args.latency_ms), "--tokens", str(tmp / "tokens.txt")]
        procs.start(
            "network",
            network_args
            if standin
            else [
                PY,
                "-m",
                "gunicorn",
                "smm.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-k",
                "gthread",
                "-w",
                "2",
                "--threads",
                "32",
                "--preload",
                "--log-level",
                "warning",
            ],
        )
        workers = [
            procs.start(
                "worker" if i == 0 else f"worker{i + 1}",
                [
                    PY,
                    "-m",
                    "celery",
                    "-A",
                    "bench.publish_worker",
                    "worker",
                    "-Q",
                    "publish",
                    "-P",
                    args.pool,
                    "-c",
                    str(args.concurrency),
                    "-l",
                    os.environ.get("BENCH_WORKER_LOG", "warning"),
                    "--without-mingle",
                    "--without-gossip",
                    "-n",
                    f"publish{i + 1}@%h",
                ],
            )
            for i in range(args.workers)
        ]
        procs.start("beat", [PY, "-m", "celery", "-A", "smm", "beat", "-l", "warning", "-s", str(tmp / "beat")])

        import requests

        wait_for(lambda: _up(requests, f"{network_url}/api/v2/instance"), 60, "the network")
        # warm every sandbox thread (imports, database connections) before measuring
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(64) as pool:
            list(pool.map(lambda _: _up(requests, f"{network_url}/api/v2/instance"), range(512)))
        # the worker is ready when it has run a no-op task
        from bench.publish_worker import app, sleep_noop

        sleep_noop.delay(0)
        wait_for(lambda: int(rds.get("bench:noop:done") or 0) >= 1, 90, "the worker")
        if args.workers > 1:
            wait_for(lambda: len(app.control.ping(timeout=1.0)) >= args.workers, 90, "every worker")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own_backend = cursor.fetchone()[0]
        admin_dsn = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
        pg_meter = PostgresCpu(admin_dsn, db_name, exclude={own_backend})
        pg_meter.start()
        window = CpuWindow(procs.procs, int(rds.info("server")["process_id"]), pg_meter)

        def make_posts(count: int, first_due: dt.datetime, spread_s: float, label: str) -> list[int]:
            posts = Post.objects.bulk_create(
                [
                    Post(
                        workspace=ws,
                        brand=brand,
                        text=f"{label} {i} {uuid.uuid4().hex[:12]}",
                        scheduled_at=first_due + dt.timedelta(seconds=spread_s * i / max(1, count)),
                        status="scheduled",
                    )
                    for i in range(count)
                ]
            )
            targets = PostTarget.objects.bulk_create(
                [
                    PostTarget(
                        post=post,
                        account=accounts[i % len(accounts)],
                        text=post.text,
                        state=TargetState.SCHEDULED,
                        due_at=post.scheduled_at,
                    )
                    for i, post in enumerate(posts)
                ]
            )
            return [t.pk for t in targets]

        def settle(ids: list[int], timeout: float) -> None:
            def done():
                left = PostTarget.objects.filter(pk__in=ids).exclude(
                    state__in=[TargetState.PUBLISHED, TargetState.FAILED, TargetState.UNKNOWN]
                )
                return not left.exists()

            try:
                wait_for(done, timeout, "all targets to settle", interval=0.5)
            except SystemExit:
                pass  # reported as losses

        def audit(ids: list[int], label: str) -> dict:
            rows = list(
                PostTarget.objects.filter(pk__in=ids).values_list("state", "published_at", "post__scheduled_at")
            )
            published = [r for r in rows if r[0] == TargetState.PUBLISHED]
            lateness = [(pub - sched).total_seconds() for _, pub, sched in published]
            per_text = {}
            if standin:
                answer = requests.get(f"{network_url}/_bench/statuses", params={"prefix": f"{label} "}, timeout=30)
                per_text = answer.json()
            else:
                for text in SandboxStatus.objects.filter(text__startswith=f"{label} ").values_list("text", flat=True):
                    per_text[text] = per_text.get(text, 0) + 1
            return {
                "posts": len(ids),
                "published": len(published),
                "losses": len(ids) - len(published),
                "not_published_states": {
                    s: sum(1 for r in rows if r[0] == s) for s in {r[0] for r in rows} if s != TargetState.PUBLISHED
                },
                "duplicates": sum(n - 1 for n in per_text.values() if n > 1),
                "on_network": len(per_text),
                "lateness": lateness,
            }

        def lateness_summary(lateness: list[float]) -> dict:
            return {
                "p50_s": round(percentile(lateness, 0.50), 3),
                "p95_s": round(percentile(lateness, 0.95), 3),
                "p99_s": round(percentile(lateness, 0.99), 3),
                "max_s": round(max(lateness), 3) if lateness else None,
                "mean_s": round(statistics.fmean(lateness), 3) if lateness else None,
                "on_time_60s": round(sum(1 for x in lateness if x <= 60) / max(1, len(lateness)), 4),
            }

        if args.only in (None, "steady"):
            count, spread = (10_000, 300.0) if args.large else (args.steady_posts, args.steady_seconds)
            ids = make_posts(count, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5), spread, "steady")
            window.start()
            settle(ids, spread + 120)
            steady_cpu = window.stop()
            report = audit(ids, "steady")
            results["steady"] = {
                **{k: v for k, v in report.items() if k != "lateness"},
                "spread_s": spread,
                "posts_per_minute": round(count * 60 / spread),
                "lateness": lateness_summary(report["lateness"]),
                "worker_peak_rss_mb": sum(peak_rss_mb(w.pid) for w in workers),
                "cpu_ms_per_post": per_item_ms(steady_cpu, max(1, report["published"])),
                "cpu_seconds": steady_cpu,
            }

        if args.only in (None, "burst"):
            n = args.burst
            due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=6)
            ids = make_posts(n, due, 0, "burst")
            window.start()
            network_before = _network_stats(requests, network_url) if standin else None
            settle(ids, 600)
            cpu = window.stop()
            network_requests = (
                _network_stats(requests, network_url)["requests"] - network_before["requests"] if standin else None
            )
            report = audit(ids, "burst")
            last = PostTarget.objects.filter(pk__in=ids, state=TargetState.PUBLISHED).order_by("-published_at").first()
            drain = (last.published_at - due).total_seconds() if last else float("nan")
            ours = report["published"] / drain if drain > 0 else float("nan")

            # the limit: n no-op tasks sleeping like one sandbox call, on the same worker
            rds.delete("bench:noop:done", "bench:noop:last")
            window.start()
            start = time.time()
            with app.producer_or_acquire() as producer:
                for _ in range(n):
                    sleep_noop.apply_async((args.latency_ms / 1000,), producer=producer)
            wait_for(lambda: int(rds.get("bench:noop:done") or 0) >= n, 600, "the no-op tasks")
            noop_drain = float(rds.get("bench:noop:last")) - start
            noop_cpu = window.stop()
            limit = n / noop_drain
            published = max(1, report["published"])
            publish_ms = per_item_ms(cpu, published)
            noop_ms = per_item_ms(noop_cpu, n)
            results["burst"] = {
                **{k: v for k, v in report.items() if k != "lateness"},
                "drain_s": round(drain, 2),
                "throughput_posts_per_s": round(ours, 1),
                "lateness": lateness_summary(report["lateness"]),
                "noop_limit": {
                    "tasks": n,
                    "drain_s": round(noop_drain, 2),
                    "tasks_per_s": round(limit, 1),
                    "worker_cpu_ms_per_task": noop_ms["worker"],
                    "cpu_ms_per_task": noop_ms,
                    "cpu_seconds": noop_cpu,
                },
                "worker_cpu_ms_per_post": publish_ms["worker"],
                "machine_cpu_ms_per_post": publish_ms["machine_busy"],
                "cpu_ms_per_post": publish_ms,
                "worker_cpu_per_post_to_noop_task": round(publish_ms["worker"] / max(1e-9, noop_ms["worker"]), 2),
                "network_requests": network_requests,
                "network_cpu_ms_per_request": (
                    round(cpu["network"] * 1000 / network_requests, 3) if network_requests else None
                ),
                "ratio_to_limit": round(ours / limit, 3),
                "cpu_seconds_during_burst": cpu,
                "worker_peak_rss_mb": sum(peak_rss_mb(w.pid) for w in workers),
            }
    finally:
        if pg_meter is not None:
            pg_meter.stop()
        procs.stop_all()
        rds.flushdb()
        from django.db import connections

        connections.close_all()
    print(json.dumps(results, indent=2))


def _network_stats(requests, network_url: str) -> dict:
    return requests.get(f"{network_url}/_bench/stats", timeout=10).json()


def _up(requests, url) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


if __name__ == "__main__":
    main()
