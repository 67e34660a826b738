"""Listening under load: the Jetstream consumer (``manage.py listen_jetstream``, a real
process) against a local Jetstream stand-in that streams recorded-shape events at rising
rates, with 100 monitors; side by side in the same run, a consumer that only parses the
JSON (the floor). Then reliability (a cut connection, a SIGKILL mid-stream and a restart:
no gap, no duplicate; malformed events counted) and a spike injected into the live stream
(the alert's delay after its window closed). Prints JSON.

The stand-in is Jetstream's shape: ``/subscribe?wantedCollections=app.bsky.feed.post&cursor=``,
events ``{did, time_us, kind, commit{rev, operation, collection, rkey, record, cid}}`` with
real-looking records (text, langs, createdAt, some facets, replies and embeds), post
updates and deletes, identity and account events, and 0.1 % malformed lines. Events carry
the wall-clock ``time_us`` at which they were produced; every subscriber reads the same
log from its cursor (replay, then live), so a slow consumer falls behind (lag) instead of
slowing the stream. About 2 % of posts name a monitored term.

Keeping up at a rate: the consumer's saved cursor is within ``--max-lag`` seconds of the
stream's head at the end of the phase, and it handled as many events as were produced.
CPU per 1,000 events: user+system time of each process (``/proc/<pid>/stat``) over the
phase, divided by the events it handled.

The spike check runs here every 30 s, as beat runs ``listening.tasks.check_spikes``
(``spikes.check_all``, the task's own code). ``--spike-window 1`` shortens the first
window to a minute for a quick run (LISTENING_SPIKE_WINDOWS); the default 10 waits for a
real 10-minute boundary.

Needs DATABASE_URL (PostgreSQL: the database ``bench_listening`` is (re)created there).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/listening.py \\
        [--rates 500,1000,2000,3000,4000] [--seconds 10] [--spike-window 10]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import recreate_database  # noqa: E402
from bench.publish import Procs, free_port, wait_for  # noqa: E402


class LoggedProcs(Procs):
    """Procs whose restarts of one name keep their own log files."""

    def start(self, name: str, args: list[str], log: str | None = None) -> subprocess.Popen:
        with open(self.logdir / f"{log or name}.log", "w") as out:
            proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs[name] = proc
        return proc


PY = sys.executable
MONITORS = 100
TIME_SENTINEL = 9_111_111_111_111_111  # later than any real time_us
RKEY_SENTINEL = "RKEYSENTINEL"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WORDS = [
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "is",
    "it",
    "you",
    "that",
    "for",
    "on",
    "with",
    "this",
    "was",
    "my",
    "so",
    "just",
    "but",
    "be",
    "are",
    "at",
    "not",
    "have",
    "like",
    "what",
    "all",
    "about",
    "out",
    "can",
    "get",
    "one",
    "day",
    "new",
    "good",
    "time",
    "love",
    "today",
    "people",
    "know",
    "now",
    "think",
    "really",
    "much",
    "need",
    "make",
    "going",
    "here",
    "want",
    "more",
    "back",
    "look",
    "great",
    "see",
    "still",
    "also",
    "way",
    "first",
    "home",
    "work",
    "night",
    "life",
    "best",
    "year",
    "right",
    "coffee",
    "morning",
    "weather",
    "music",
    "game",
    "book",
    "film",
    "city",
    "train",
    "dog",
    "cat",
    "garden",
    "photo",
    "art",
    "news",
    "friend",
    "team",
]
LANGS = [["en"]] * 70 + [["ja"]] * 8 + [["pt"]] * 6 + [["de"]] * 4 + [["es"]] * 4 + [[]] * 6 + [["en", "fr"]] * 2
FLOOR_SCRIPT = """
import json, sys, time
from websockets.sync.client import connect
out, url = sys.argv[1], sys.argv[2]
count, last = 0, time.monotonic()
with connect(url, max_size=2**21) as ws:
    for message in ws:
        try:
            json.loads(message)
        except ValueError:
            pass
        count += 1
        if time.monotonic() - last > 0.5:
            open(out, "w").write(str(count)); last = time.monotonic()
"""


# --- the stream ---------------------------------------------------------------------------------


class Stream:
    """A Jetstream stand-in: one producer appends to a log at a set rate; each subscriber
    is sent the log from its cursor on."""

    def __init__(self, monitor_terms: list[str], seed: int = 2026):
        self.rng = random.Random(seed)
        self.terms = monitor_terms
        self.times: list[int] = []
        self.lines: list[str] = []
        self.rate = 0.0
        self.extra: list[str] = []  # text to send next (spike, markers), as posts
        self.malformed = 0
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.drop = threading.Event()
        self.last_us = 0
        self.n = 0

    # producing
    def _now_us(self) -> int:
        now = time.time_ns() // 1000
        self.last_us = max(now, self.last_us + 1)
        return self.last_us

    def _text(self) -> str:
        rng = self.rng
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 30))]
        if rng.random() < 0.02:
            words.insert(rng.randrange(len(words)), rng.choice(self.terms))
        if rng.random() < 0.1:
            words.append(f"#{rng.choice(WORDS)}")
        return " ".join(words).capitalize() + rng.choice([".", "!", "", " 🙂"])

    def _event(self, text: str | None = None, rkey: str | None = None) -> tuple[int, str]:
        rng = self.rng
        self.n += 1
        did = f"did:plc:{rng.randrange(50_000):024d}"
        time_us = self._now_us()
        if text is None:
            roll = rng.random()
            if roll < 0.001:
                self.malformed += 1
                return time_us, '{"did": "' + did + '", "time_us": ' + str(time_us) + ', "kind": "commit", "commit": {'
            if roll < 0.02:
                return time_us, json.dumps(
                    {
                        "did": did,
                        "time_us": time_us,
                        "kind": "identity",
                        "identity": {
                            "did": did,
                            "handle": f"user{rng.randrange(50_000)}.bsky.social",
                            "seq": self.n,
                            "time": "2026-12-07T18:00:00Z",
                        },
                    }
                )
            if roll < 0.025:
                return time_us, json.dumps(
                    {
                        "did": did,
                        "time_us": time_us,
                        "kind": "account",
                        "account": {"active": True, "did": did, "seq": self.n, "time": "2026-12-07T18:00:00Z"},
                    }
                )
            if roll < 0.05:
                return time_us, json.dumps(
                    {
                        "did": did,
                        "time_us": time_us,
                        "kind": "commit",
                        "commit": {
                            "rev": f"r{self.n}",
                            "operation": "delete",
                            "collection": "app.bsky.feed.post",
                            "rkey": rkey or f"3l{self.n:011d}",
                        },
                    }
                )
        record = {
            "$type": "app.bsky.feed.post",
            "text": text if text is not None else self._text(),
            "langs": ["en"] if text is not None else rng.choice(LANGS),
            "createdAt": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        }
        if text is None and rng.random() < 0.3:
            parent = f"at://did:plc:{rng.randrange(50_000):024d}/app.bsky.feed.post/3l{rng.randrange(10**9):011d}"
            record["reply"] = {"root": {"uri": parent, "cid": "bafyreib"}, "parent": {"uri": parent, "cid": "bafyreib"}}
        if text is None and rng.random() < 0.15:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": "",
                        "image": {
                            "$type": "blob",
                            "ref": {"$link": "bafkrei"},
                            "mimeType": "image/jpeg",
                            "size": 301234,
                        },
                    }
                ],
            }
        return time_us, json.dumps(
            {
                "did": did,
                "time_us": time_us,
                "kind": "commit",
                "commit": {
                    "rev": f"r{self.n}",
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": rkey or f"3l{self.n:011d}",
                    "record": record,
                    "cid": f"bafyrei{self.n}",
                },
            }
        )

    def prepare(self, count: int = 20_000) -> None:
        """Recorded-shape events made ahead as templates, so producing one at a high rate is
        two string joins (its time_us and a fresh rkey), not a json.dumps."""
        self.pool = []
        for _ in range(count):
            malformed_before = self.malformed
            self.last_us = TIME_SENTINEL - 1
            _, line = self._event(rkey=RKEY_SENTINEL)
            head, rest = line.split(str(TIME_SENTINEL), 1)
            middle, tail = rest.split(RKEY_SENTINEL, 1) if RKEY_SENTINEL in rest else (rest, None)
            self.pool.append((head, middle, tail, self.malformed > malformed_before))
        self.malformed = 0
        self.last_us = 0

    def _from_pool(self) -> tuple[int, str]:
        head, middle, tail, malformed = self.pool[self.n % len(self.pool)]
        self.n += 1
        self.malformed += malformed
        time_us = self._now_us()
        if tail is None:
            return time_us, f"{head}{time_us}{middle}"
        return time_us, f"{head}{time_us}{middle}3m{self.n:011d}{tail}"

    def produce(self) -> None:
        due = time.monotonic()
        while not self.stop.is_set():
            rate = self.rate  # read once: the main thread changes it
            if rate <= 0 and not self.extra:
                time.sleep(0.01)
                due = time.monotonic()
                continue
            batch = []
            now = time.monotonic()
            while self.extra:
                batch.append(self._event(text=self.extra.pop(0)))
            if rate > 0:
                while due <= now:
                    batch.append(self._from_pool())
                    due += 1.0 / rate
            if batch:
                with self.cond:
                    for time_us, line in batch:
                        self.times.append(time_us)
                        self.lines.append(line)
                    self.cond.notify_all()
            time.sleep(0.002)

    @property
    def head_us(self) -> int:
        return self.times[-1] if self.times else 0

    # serving
    def handle(self, websocket) -> None:
        from websockets.exceptions import ConnectionClosed

        query = {k: v[0] for k, v in parse_qs(urlsplit(websocket.request.path).query).items()}
        index = bisect.bisect_left(self.times, int(query["cursor"])) if "cursor" in query else len(self.times)
        drop_seen = self.drop.is_set()
        try:
            while not self.stop.is_set():
                with self.cond:
                    if index >= len(self.lines):
                        self.cond.wait(0.2)
                    end = len(self.lines)
                for line in self.lines[index:end]:
                    websocket.send(line)
                    index += 1
                    if index % 200 == 0 and self.drop.is_set() and not drop_seen:
                        break
                if self.drop.is_set() and not drop_seen:
                    with contextlib.suppress(OSError):  # (gone already)
                        websocket.socket.shutdown(socket.SHUT_RDWR)  # an abrupt cut: no closing handshake
                    return
        except ConnectionClosed:
            pass


# --- measuring ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cursor_row():
    from listening.models import StreamCursor

    return (
        StreamCursor.objects.filter(name="jetstream")
        .values("cursor", "events", "malformed", "disconnects", "connected_at")
        .first()
    )


def connected_since(moment: dt.datetime) -> bool:
    row = cursor_row() or {}
    return bool(row.get("connected_at")) and row["connected_at"] >= moment


def floor_count(path: Path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


def seed_monitors() -> list[str]:
    from listening.models import Monitor
    from smm.models import Brand, Workspace

    rng = random.Random(7)
    terms = []
    for w in range(10):
        ws = Workspace.objects.create(name=f"Bench {w}", slug=f"bench-{w}")
        for b in range(2):
            brand = Brand.objects.create(workspace=ws, name=f"Brand {w}-{b}")
            for m in range(MONITORS // 20):
                i = (w * 2 + b) * (MONITORS // 20) + m
                mine = [f"brand{i}", f"product{i}", f"widget{i}x", f"ceo{i}", f"slogan{i}"]
                terms += mine
                Monitor.objects.create(
                    workspace=ws,
                    brand=brand,
                    name=f"Monitor {i}",
                    kind="brand" if m == 0 else "competitor",
                    terms=mine,
                    phrases=[f"brand{i} support", f"{rng.choice(WORDS)} brand{i}"],
                    hashtags=[f"brand{i}", f"launch{i}"],
                    exclusions=[f"job{i}"],
                    languages=["en"] if i % 3 == 0 else [],
                )
    return terms


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="500,1000,2000,3000,4000")
    parser.add_argument("--seconds", type=float, default=10, help="per rate")
    parser.add_argument("--max-lag", type=float, default=3.0, help="seconds behind the head that still keeps up")
    parser.add_argument("--spike-window", type=int, default=10, help="minutes of the first spike window")
    parser.add_argument("--reliability-rate", type=float, default=1000)
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates bench_listening there)")
    parts = urlsplit(base_url)
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_listening")

    recreate_database(base_url, db_name)
    tmp = Path(tempfile.mkdtemp(prefix="bench-listening-"))
    print(f"logs: {tmp}", file=sys.stderr)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "SMM_VAR_DIR": str(tmp / "var"),
        "SANDBOX_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "smm.settings",
        "JETSTREAM_URL": f"ws://127.0.0.1:{port}/subscribe",
        "LISTENING_SPIKE_WINDOWS": f"{args.spike_window},60",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    (tmp / "var").mkdir()
    os.environ.update(env)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.db import connections
    from websockets.sync.server import serve

    from listening import spikes, store
    from listening.models import Mention, Monitor, SpikeAlert

    terms = seed_monitors()
    stream = Stream(terms)
    stream.prepare()
    server = serve(stream.handle, "127.0.0.1", port, compression=None, max_queue=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=stream.produce, daemon=True).start()
    procs = LoggedProcs(env, tmp)
    results: dict = {
        "config": {"monitors": Monitor.objects.count(), "cores": os.cpu_count(), "seconds_per_rate": args.seconds},
        "rates": [],
    }
    floor_file = tmp / "floor.count"
    try:
        consumer = procs.start("listen", [PY, "manage.py", "listen_jetstream"])
        floor = procs.start("floor", [PY, "-c", FLOOR_SCRIPT, str(floor_file), env["JETSTREAM_URL"]])
        wait_for(lambda: (cursor_row() or {}).get("cursor") is not None or len(stream.lines) == 0, 30, "consumer")
        wait_for(lambda: len(server.connections) >= 2, 30, "both subscribers")
        stream.rate = 50
        wait_for(lambda: (cursor_row() or {}).get("cursor"), 30, "the consumer's first save")
        time.sleep(2)  # let the floor write its first count

        # --- rising rates -------------------------------------------------------------------
        for rate in [float(r) for r in args.rates.split(",")]:
            row0, floor0 = cursor_row(), floor_count(floor_file)
            cpu0, fcpu0, scpu0 = cpu_seconds(consumer.pid), cpu_seconds(floor.pid), cpu_seconds(os.getpid())
            produced0, started = len(stream.lines), time.monotonic()
            stream.rate = rate
            time.sleep(args.seconds)
            stream.rate = 0
            elapsed = time.monotonic() - started
            produced = len(stream.lines) - produced0
            head = stream.head_us
            lag_at_end = (head - (cursor_row()["cursor"] or 0)) / 1e6
            # the rest of the phase's events: how long until the consumer has them all
            caught = time.monotonic()
            wait_for(lambda head=head: (cursor_row()["cursor"] or 0) >= head, 120, "catch-up", interval=0.1)
            catch_up = time.monotonic() - caught
            row1 = cursor_row()
            cpu, fcpu = cpu_seconds(consumer.pid) - cpu0, cpu_seconds(floor.pid) - fcpu0
            stream_cpu = cpu_seconds(os.getpid()) - scpu0
            handled = row1["events"] - row0["events"]
            floor_handled = floor_count(floor_file) - floor0
            results["rates"].append(
                {
                    "target_per_s": rate,
                    "produced_per_s": round(produced / elapsed),
                    "handled_per_s": round(handled / (elapsed + catch_up)),
                    "lag_s_at_phase_end": round(lag_at_end, 2),
                    "catch_up_s": round(catch_up, 2),
                    "keeps_up": lag_at_end <= args.max_lag,
                    "consumer_cpu_ms_per_1000": round(1000 * cpu / max(handled, 1) * 1000, 1),
                    "floor_cpu_ms_per_1000": round(1000 * fcpu / max(floor_handled, 1) * 1000, 1),
                    "consumer_cpu_share": round(cpu / (elapsed + catch_up), 2),
                    "floor_handled_per_s": round(floor_handled / (elapsed + catch_up)),
                    # the stand-in (this process: producing and sending to both): its ceiling shows here
                    "stream_cpu_share": round(stream_cpu / (elapsed + catch_up), 2),
                    "ratio_to_floor": round((cpu / max(handled, 1)) / max(fcpu / max(floor_handled, 1), 1e-9), 1),
                }
            )
            print(json.dumps(results["rates"][-1]), file=sys.stderr)
        results["mentions_stored"] = Mention.objects.count()

        # --- reliability: a cut connection and a SIGKILL, with marked posts in between ------------
        marker_monitor = Monitor.objects.create(
            workspace=Monitor.objects.first().workspace,
            brand=Monitor.objects.first().brand,
            name="Marker",
            terms=["zebrafishmarker"],
        )
        procs.stop("listen")  # restart so the new monitor is loaded at once (else within 30 s)
        restarted = dt.datetime.now(dt.UTC)
        consumer = procs.start("listen", [PY, "manage.py", "listen_jetstream"], log="listen-2")
        wait_for(lambda: connected_since(restarted), 60, "the consumer's reconnection")
        stream.rate = args.reliability_rate
        sent_markers = []

        def markers(count):
            for _ in range(count):
                sent_markers.append(f"zebrafishmarker {len(sent_markers)}")
                stream.extra.append(sent_markers[-1])
                time.sleep(0.01)

        malformed0 = stream.malformed
        row0 = cursor_row()
        markers(100)
        wait_for(lambda: (cursor_row()["cursor"] or 0) >= stream.head_us - 2_000_000, 60, "the consumer at the head")
        stream.drop.set()  # every connection is cut once
        wait_for(lambda: cursor_row()["disconnects"] > row0["disconnects"], 60, "the cut to be counted")
        markers(100)
        time.sleep(1.5)
        os.killpg(consumer.pid, signal.SIGKILL)  # mid-stream, between two saves
        consumer.wait()
        procs.procs.pop("listen", None)
        markers(100)  # while it is down
        consumer = procs.start("listen", [PY, "manage.py", "listen_jetstream"], log="listen-3-after-kill")
        markers(100)
        stream.rate = 0
        head = stream.head_us
        wait_for(lambda: (cursor_row()["cursor"] or 0) >= head, 120, "catch-up after restart", interval=0.2)
        time.sleep(1.5)
        got = list(Mention.objects.filter(monitor=marker_monitor).values_list("text", flat=True))
        row1 = cursor_row()
        results["reliability"] = {
            "marked_posts_sent": len(sent_markers),
            "marked_mentions_stored": len(got),
            "distinct": len(set(got)),
            "missing": len(set(sent_markers) - set(got)),
            "disconnects_counted": row1["disconnects"] - row0["disconnects"],
            "malformed_sent_total": stream.malformed,
            "malformed_counted_total": row1["malformed"],
            "malformed_sent_in_phase": stream.malformed - malformed0,
        }
        print(json.dumps(results["reliability"]), file=sys.stderr)

        # --- a spike in the live stream ----------------------------------------------------------
        window = args.spike_window
        spike_monitor = Monitor.objects.create(
            workspace=marker_monitor.workspace,
            brand=marker_monitor.brand,
            name="Spike",
            terms=["quokkabrand"],
            alert_deviations=3,
            alert_min_count=10,
        )
        # its baseline: a day of 1-2 mentions per window
        now = dt.datetime.now(dt.UTC)
        start = spikes.bucket_start(now, window) - dt.timedelta(hours=24)
        rows, k = [], 0
        moment = start
        while moment < spikes.bucket_start(now, window):
            for j in range(1 + k % 2):
                rows.append(
                    Mention(
                        workspace_id=spike_monitor.workspace_id,
                        monitor=spike_monitor,
                        source="bluesky",
                        remote_id=f"at://did:plc:base/app.bsky.feed.post/{k}-{j}",
                        text="quokkabrand ok",
                        created_at=moment,
                        seen_at=moment + dt.timedelta(seconds=j),
                    )
                )
            k += 1
            moment += dt.timedelta(minutes=window)
        store.save(rows)  # the mentions and their bucket counts, as the consumer stores them
        procs.stop("listen")
        consumer = procs.start("listen", [PY, "manage.py", "listen_jetstream"], log="listen-4-spike")
        stream.rate = 200
        time.sleep(3)
        # inject in the last 30 s of a window, then let the check loop (every 30 s, as beat) find it
        boundary = spikes.bucket_start(dt.datetime.now(dt.UTC), window) + dt.timedelta(minutes=window)
        wait_s = (boundary - dt.datetime.now(dt.UTC)).total_seconds() - 30
        if wait_s > 0:
            print(f"waiting {wait_s:.0f} s for the end of a {window}-minute window", file=sys.stderr)
            time.sleep(wait_s)
        for n in range(40):
            stream.extra.append(f"quokkabrand is awful, terrible service, I am so angry ({n})")
            time.sleep(0.5)
        check_stop = threading.Event()

        def check_loop():
            while not check_stop.is_set():
                try:
                    spikes.check_all()
                except Exception as error:  # noqa: BLE001 - as a beat task would, try again next time
                    print(f"check failed: {error!r}", file=sys.stderr)
                connections.close_all()
                check_stop.wait(30)

        # beat's 30 s schedule has no phase relative to the window: start it at a random offset
        time.sleep(random.uniform(0, 30))
        checker = threading.Thread(target=check_loop, daemon=True)
        checker.start()
        alert = wait_for(
            lambda: SpikeAlert.objects.filter(monitor=spike_monitor, window_minutes=window, series="volume").first(),
            window * 60 + 120,
            "the spike alert",
            interval=0.5,
        )
        negative = wait_for(
            lambda: SpikeAlert.objects.filter(monitor=spike_monitor, window_minutes=window, series="negative").first(),
            10,
            "the crisis (negative) alert",
            interval=0.2,
        )
        check_stop.set()
        results["spike"] = {
            "window_minutes": window,
            "mentions_injected": 40,
            "alert_count": alert.count,
            "baseline_mean": alert.baseline_mean,
            "threshold": alert.threshold,
            "seconds_after_window_closed": round((alert.created_at - alert.bucket_end).total_seconds(), 1),
            "negative_alert_seconds_after_window_closed": round(
                (negative.created_at - negative.bucket_end).total_seconds(), 1
            ),
            "emailed": wait_for(lambda: SpikeAlert.objects.get(pk=alert.pk).emailed_at, 10, "the email") is not None,
        }
        stream.rate = 0
        results["machine_load_1m"] = os.getloadavg()[0]
    finally:
        stream.stop.set()
        procs.stop_all()
        server.shutdown()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
