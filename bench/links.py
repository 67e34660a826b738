"""Short-link redirect under load: latency and throughput of /l/<code> against gunicorn
(production settings, PostgreSQL, Redis click buffer), side by side in one run with the
cheapest Django view (/favicon.ico: the whole middleware stack, no query) as the floor,
and no click lost (rows in the click log against the visits sent). Prints JSON.

An open-loop generator (threads, keep-alive connections) sends requests at a fixed
arrival rate; latency counts from the moment a request was due, so a stalled server is
not hidden by a generator that waits for it. The mix of visitors: 90 % browsers (phone,
desktop, tablet), 5 % crawlers (stored, flagged as bots), 5 % link previews (redirected,
not stored), over 1,000 links made by the publish path (their redirect entries written
ahead, as for posts just published). The click drain runs as in production
(``links.tasks.drain_clicks``' code, in a loop of its own, every second). Phases: a quiet
one (20 + 20 requests/s), the target (200 redirects/s + 20 floor requests/s), then as
fast as N connections can go.

Needs DATABASE_URL (PostgreSQL: the database ``bench_links`` is (re)created there) and
REDIS_URL (default redis://127.0.0.1:6379/11; that database is flushed). Every process it
starts is stopped by pid.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/links.py \\
        [--rate 200] [--seconds 30] [--workers 2 --threads 8] [--max-connections 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import production_env, recreate_database  # noqa: E402
from bench.publish import Procs, free_port, percentile, wait_for  # noqa: E402

PY = sys.executable
LINKS = 1000
BROWSERS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
    "Safari/605.1.15",
]
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PREVIEW = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
REFERRERS = ["https://t.co/", "https://l.facebook.com/", "https://mastodon.social/", "", ""]
DRAIN_LOOP = (
    "import time, django; django.setup()\n"
    "from links.tasks import drain_clicks\n"
    "while True:\n"
    "    drain_clicks()\n"
    "    time.sleep(1)\n"
)


def seed() -> list[str]:
    from django.contrib.auth import get_user_model

    from links.models import TrackedLink, UtmPreset
    from links.publishing import rewrite
    from posts.models import Post, PostTarget
    from smm.models import Brand, Membership, SocialAccount, Workspace

    user = get_user_model().objects.create_user("bench", "bench@example.com", "bench-passphrase-42")
    ws = Workspace.objects.create(name="Bench Co")
    Membership.objects.create(workspace=ws, user=user, role="owner")
    brand = Brand.objects.create(workspace=ws, name="Bench Brand")
    UtmPreset.objects.create(workspace=ws, add_utm=True, short_links=True)
    account = SocialAccount.objects.create(
        brand=brand, network="mastodon", handle="@bench", remote_id="1", credentials={"access_token": "t"}
    )
    # each link made by the publish path (links.publishing.rewrite), as a published post's
    for i in range(LINKS):
        post = Post.objects.create(workspace=ws, brand=brand, text=f"Post {i} https://shop.example.com/p/{i}")
        target = PostTarget.objects.create(post=post, account=account)
        rewrite(target, post.text, None)
    return list(TrackedLink.objects.values_list("code", flat=True))


class Load:
    """Requests at a fixed arrival rate, answered by a pool of keep-alive connections."""

    def __init__(self, port: int, codes: list[str], connections: int = 24):
        self.port, self.codes = port, codes
        self.jobs: queue.Queue = queue.Queue()
        self.results: list[dict] = []
        self.lock = threading.Lock()
        self.rng = random.Random(19)
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(connections)]
        for thread in self.threads:
            thread.start()

    def request(self, kind: str) -> tuple[str, dict]:
        if kind == "floor":
            return "/favicon.ico", {"User-Agent": BROWSERS[0]}
        roll = self.rng.random()
        ua = PREVIEW if roll < 0.05 else CRAWLER if roll < 0.10 else self.rng.choice(BROWSERS)
        headers = {"User-Agent": ua}
        referrer = self.rng.choice(REFERRERS)
        if referrer:
            headers["Referer"] = referrer
        # a visitor address of its own (the server trusts no proxy header: all are 127.0.0.1
        # here, so the unique count is by User-Agent only in this bench)
        return f"/l/{self.rng.choice(self.codes)}", headers | {
            "X-Visitor-Kind": "preview" if ua == PREVIEW else "click"
        }

    def _work(self):
        conn = None
        while True:
            job = self.jobs.get()
            if job is None:
                return
            due, kind, path, headers = job
            preview = headers.pop("X-Visitor-Kind", "") == "preview"
            for attempt in range(2):
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    sent = time.perf_counter()
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    done = time.perf_counter()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                    break
                except (http.client.HTTPException, OSError):
                    if conn is not None:
                        conn.close()
                    conn = None
                    if attempt == 1:
                        sent, done, status = time.perf_counter(), time.perf_counter(), 0
            with self.lock:
                self.results.append(
                    {"kind": kind, "status": status, "latency": done - due, "service": done - sent, "preview": preview}
                )

    def run(self, rates: dict[str, float], seconds: float) -> list[dict]:
        """Send each kind at its rate for ``seconds``, interleaved; return their results."""
        start_index = len(self.results)
        schedule = []
        for kind, rate in rates.items():
            if rate > 0:
                step = 1.0 / rate
                schedule += [(i * step, kind) for i in range(int(seconds * rate))]
        schedule.sort()
        begin = time.perf_counter() + 0.1
        for offset, kind in schedule:
            due = begin + offset
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            path, headers = self.request(kind)
            self.jobs.put((due, kind, path, headers))
        deadline = time.monotonic() + 30
        while len(self.results) - start_index < len(schedule) and time.monotonic() < deadline:
            time.sleep(0.05)
        with self.lock:
            return self.results[start_index:]

    def closed_loop(self, connections: int, seconds: float) -> dict:
        """As fast as ``connections`` keep-alive connections go: redirects per second."""
        stop = time.monotonic() + seconds
        counts = {"ok": 0, "errors": 0, "previews": 0}
        lock = threading.Lock()

        def loop(seed_value):
            rng = random.Random(seed_value)
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            while time.monotonic() < stop:
                ua = rng.choice(BROWSERS)
                try:
                    conn.request("GET", f"/l/{rng.choice(self.codes)}", headers={"User-Agent": ua})
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 302
                except (http.client.HTTPException, OSError):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    ok = False
                with lock:
                    counts["ok" if ok else "errors"] += 1
            conn.close()

        threads = [threading.Thread(target=loop, args=(n,)) for n in range(connections)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        return {**counts, "seconds": round(elapsed, 1), "redirects_per_second": round(counts["ok"] / elapsed, 1)}

    def close(self):
        for _ in self.threads:
            self.jobs.put(None)


def summary(results: list[dict], kind: str, seconds: float) -> dict:
    mine = [r for r in results if r["kind"] == kind]
    latencies = [r["latency"] * 1000 for r in mine]
    service = [r["service"] * 1000 for r in mine]
    expected = 302 if kind == "redirect" else 200
    return {
        "requests": len(mine),
        "rate_per_second": round(len(mine) / seconds, 1),
        "errors": sum(1 for r in mine if r["status"] != expected),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "service_p50_ms": round(percentile(service, 0.50), 2),
        # from the request's send, not its due time: what the server took, without the
        # generator's own lateness on a busy machine
        "service_p99_ms": round(percentile(service, 0.99), 2),
    }


def machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="redirects per second in the target phase")
    parser.add_argument("--floor-rate", type=float, default=20, help="floor requests per second beside them")
    parser.add_argument("--seconds", type=float, default=30, help="length of the target phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--max-connections", type=int, default=16, help="closed-loop phase (0: skip)")
    parser.add_argument("--faults", action=argparse.BooleanOptionalAction, default=True, help="database, buffer down")
    parser.add_argument("--fault-rate", type=float, default=100, help="redirects per second while a store is down")
    parser.add_argument("--fault-seconds", type=float, default=10)
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates bench_links there)")
    parts = urlsplit(base_url)
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_links")
    import redis

    recreate_database(base_url, db_name)
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
    redis.Redis.from_url(redis_url).flushdb()

    tmp = Path(tempfile.mkdtemp(prefix="bench-links-"))
    print(f"logs: {tmp}", file=sys.stderr)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "REDIS_URL": redis_url,
        "SMM_VAR_DIR": str(tmp / "var"),
        **production_env("links"),
        "SANDBOX_ENABLED": "false",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "smm.settings",
        "STATIC_ROOT": str(tmp / "static"),  # favicon.ico is read through the finders
    }
    (tmp / "var").mkdir()
    (tmp / "static").mkdir()
    os.environ.update(env)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.db import connections

    from links.models import Click, ClickLoss

    codes = seed()
    connections.close_all()
    procs = Procs(env, tmp)
    results: dict = {
        "config": {
            "server": f"gunicorn gthread {args.workers}x{args.threads}, DEBUG=false, PostgreSQL, Redis click buffer",
            "floor": "/favicon.ico (a Django view through every middleware, no query)",
            "links": LINKS,
            "mix": "90 % browsers, 5 % crawlers (stored as bots), 5 % link previews (not stored)",
            "cpus": os.cpu_count(),
        },
        "phases": {},
    }
    load = None

    def start_gunicorn(**overrides):
        procs.env = {**env, **overrides}
        procs.start(
            "gunicorn",
            [PY, "-m", "gunicorn", "smm.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread", "-w", str(args.workers),
             "--threads", str(args.threads), "--log-level", "warning"],
        )  # fmt: skip
        procs.env = env
        wait_for(up, 60, "gunicorn")

    try:
        procs.start("drain", [PY, "-c", DRAIN_LOOP])

        def up():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/favicon.ico")
                return conn.getresponse().status == 200
            except OSError:
                return False

        start_gunicorn()
        load = Load(port, codes)
        load.run({"redirect": 50, "floor": 20}, 4)  # warm-up: imports, connections, regex caches
        for name, rates, seconds in (
            ("quiet", {"redirect": 20, "floor": 20}, min(args.seconds, 15)),
            ("target", {"redirect": args.rate, "floor": args.floor_rate}, args.seconds),
        ):
            busy_before = machine_busy()
            began = time.perf_counter()
            phase = load.run(rates, seconds)
            elapsed = time.perf_counter() - began
            busy_after = machine_busy()
            busy = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1)
            redirect, floor = summary(phase, "redirect", seconds), summary(phase, "floor", seconds)
            results["phases"][name] = {
                "seconds": round(elapsed, 1),
                "redirect": redirect,
                "floor": floor,
                "p50_ratio_redirect_to_floor": round(redirect["p50_ms"] / floor["p50_ms"], 2),
                "machine_busy_share": round(busy, 2),
            }
        if args.max_connections:
            results["phases"]["closed_loop"] = {
                "connections": args.max_connections,
                **load.closed_loop(args.max_connections, 10),
            }
        # Faults: the web processes cannot reach the database (links resolve from the cache,
        # clicks go to the buffer), then cannot reach the buffer (clicks go to the database)
        for name, overrides in (
            (
                "database_down",
                {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}", netloc="postgres@127.0.0.1:1"))},
            ),
            ("buffer_down", {"CLICK_BUFFER_URL": "redis://127.0.0.1:1/0"}),
        ):
            if not args.faults:
                break
            procs.stop("gunicorn")
            start_gunicorn(**overrides)
            phase = load.run({"redirect": args.fault_rate, "floor": 10}, args.fault_seconds)
            redirect, floor = (
                summary(phase, "redirect", args.fault_seconds),
                summary(phase, "floor", args.fault_seconds),
            )
            results["phases"][name] = {"redirect": redirect, "floor": floor}
        # every visit that was not a preview must be a row once the drain has caught up
        all_results = load.results
        sent_clicks = sum(1 for r in all_results if r["kind"] == "redirect" and r["status"] == 302 and not r["preview"])
        sent_clicks += results["phases"].get("closed_loop", {}).get("ok", 0)

        def drained():
            stored = Click.objects.count()
            return stored if stored >= sent_clicks else None

        try:
            wait_for(drained, 60, "the drain to store every click", interval=0.5)
        except SystemExit:
            pass
        stored = Click.objects.count()
        results["clicks"] = {
            "visits_sent_not_previews": sent_clicks,
            "rows_stored": stored,
            "bots_flagged": Click.objects.filter(is_bot=True).count(),
            "lost_counted": sum(ClickLoss.objects.values_list("count", flat=True)),
            "missing": sent_clicks - stored,
        }
    finally:
        if load is not None:
            load.close()
        procs.stop_all()
        connections.close_all()

    target = results["phases"].get("target", {})
    results["goals"] = {
        "redirect_p50_within_1_5x_floor": target.get("p50_ratio_redirect_to_floor", 99) <= 1.5,
        "redirect_p99_under_50ms_at_rate": target.get("redirect", {}).get("p99_ms", 999) < 50,
        "redirected_with_a_store_down": all(
            results["phases"].get(name, {}).get("redirect", {}).get("errors", 1) == 0
            for name in ("database_down", "buffer_down")
        )
        if args.faults
        else None,
        "no_click_lost": results.get("clicks", {}).get("missing") == 0,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
