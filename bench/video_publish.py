"""Video publishing benchmark: a 300 MB generated video published through a real Celery
worker to the sandbox network (Mastodon's video API: 202, 206, 200) served by gunicorn on
127.0.0.1. Prints JSON.

Reports the worker's resident memory when idle and its peak while it sends the video (it
streams from disk: the target is a peak under 150 MB), and the upload throughput beside a
plain ``requests`` streaming upload of the same file to the same endpoint, in the same run
(plain, worker, plain again; target: the worker at >= 0.8 of plain).

Both uploads are timed to the answer of ``POST /api/v2/media``, so both include what the
sandbox does with the file before it answers (moves it into place, probes it, makes a
poster). The worker's upload starts when the target is seen "publishing" (polled every
20 ms) and ends at the ``video_uploaded_at`` the adapter remembers on the answer.

The video (noise frames, so it does not compress: 300 MB by default, ``--mb``) is made in
a temporary folder and deleted at the end, with every process started here (by pid).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/video_publish.py [--mb 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import production_env, recreate_database  # noqa: E402
from bench.publish import Procs, free_port, peak_rss_mb, wait_for  # noqa: E402

PY = sys.executable
WIDTH, HEIGHT, FPS = 1280, 720, 30


def make_video(path: Path, megabytes: int) -> float:
    """An MP4 (H.264, lossless noise: it does not compress) of about ``megabytes`` MB,
    written frame by frame; returns the seconds it took."""
    import av
    import numpy as np

    started = time.monotonic()
    rng = np.random.default_rng(16)
    pictures = [rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(8)]
    target = megabytes * 1_000_000
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("h264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "0"}
        written, index = 0, 0
        while written < target:
            frame = av.VideoFrame.from_ndarray(pictures[index % len(pictures)], format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                written += packet.size
                container.mux(packet)
            index += 1
        for packet in stream.encode():
            container.mux(packet)
    return time.monotonic() - started


class MultipartFile:
    """The plain upload's body: one multipart "file" field around the file on disk, read
    as requests asks (it has a length, so requests sends Content-Length). No library."""

    def __init__(self, path: Path, mime_type: str = "video/mp4"):
        self.boundary = uuid.uuid4().hex
        self.head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            f"Content-Type: {mime_type}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = path.stat().st_size
        self.file = open(path, "rb")  # noqa: SIM115 (closed when read to the end)
        self.parts = [self.head, None, self.tail]

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def read(self, size: int = -1) -> bytes:
        while self.parts:
            part = self.parts[0]
            if part is None:
                chunk = self.file.read(size if size and size > 0 else -1)
                if chunk:
                    return chunk
                self.file.close()
                self.parts.pop(0)
                continue
            self.parts.pop(0)
            return part
        return b""


def plain_upload(url: str, token: str, path: Path) -> float:
    """Seconds for ``requests`` alone to stream the file to ``url`` and get its answer."""
    import requests

    body = MultipartFile(path)
    started = time.monotonic()
    answer = requests.post(
        url,
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": body.content_type},
        timeout=(10, 600),
    )
    took = time.monotonic() - started
    if answer.status_code not in (200, 202):
        raise SystemExit(f"plain upload refused: {answer.status_code} {answer.text[:300]}")
    return took


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=300, help="size of the generated video, MB")
    parser.add_argument("--concurrency", type=int, default=4, help="worker threads")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates bench_video there)")
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4"
    db_name = os.environ.get("BENCH_DATABASE_NAME", "bench_video")
    parts = urlsplit(base_url)

    recreate_database(base_url, db_name)

    tmp = Path(tempfile.mkdtemp(prefix="bench-video-"))
    print(f"logs and files: {tmp} (deleted at the end)", file=sys.stderr)
    port = free_port()
    media_root = tmp / "var" / "media"
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{db_name}")),
        "REDIS_URL": redis_url,
        "SMM_VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(media_root),
        "SANDBOX_ENABLED": "true",
        **production_env("video"),
        "ALLOW_PRIVATE_OUTBOUND": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "CELERY_SKIP_CHECKS": "1",
        "PUBLISH_SWEEP": "2",
        "TMPDIR": str(tmp),  # the sandbox's upload temp files, on the same disk as its media
    }
    media_root.mkdir(parents=True)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smm.settings"
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    import redis
    from django.utils import timezone

    from posts.models import MediaAsset, Post, PostMedia, PostTarget, TargetState
    from posts.video import probe
    from sandbox.models import SandboxAccount, SandboxFaults, SandboxStatus
    from smm.models import Brand, SocialAccount, Workspace

    rds = redis.Redis.from_url(redis_url)
    rds.flushdb()
    procs = Procs(env, tmp)
    results: dict = {"config": {"cpus": os.cpu_count(), "worker": f"celery -P threads -c {args.concurrency}"}}
    try:
        # --- the video, in the worker's media library ---
        ws = Workspace.objects.create(name="Bench video")
        brand = Brand.objects.create(workspace=ws, name="Bench Brand")
        name = f"media/{ws.pk}/{uuid.uuid4().hex}/bench.mp4"
        video = media_root / name
        video.parent.mkdir(parents=True)
        made_in = make_video(video, args.mb)
        found = probe(video)
        results["video"] = {
            "bytes": found.size,
            "mb": round(found.size / 1e6, 1),
            "seconds": found.duration,
            "size": f"{found.width}x{found.height}",
            "codec": found.video_codec,
            "generated_in_s": round(made_in, 1),
        }
        asset = MediaAsset.objects.create(
            workspace=ws,
            kind=MediaAsset.Kind.VIDEO,
            file=name,
            original_name="bench.mp4",
            mime_type=found.mime_type,
            size=found.size,
            width=found.width,
            height=found.height,
            duration_ms=found.duration_ms,
            frame_rate=found.frame_rate,
            container=found.container,
            video_codec=found.video_codec,
            audio_codec=found.audio_codec,
            pixel_format=found.pixel_format,
            bitrate=found.bitrate,
            faststart=found.faststart,
        )
        # --- the sandbox takes a video this large (Mastodon's stock limit is 99 MB) ---
        limit = found.size * 2
        SandboxFaults.store({"video_size_limit": limit, "video_processing_ms": 1000})
        remote = SandboxAccount.objects.create(username="benchvideo")
        token = remote.issue_token().token
        account = SocialAccount.objects.create(
            brand=brand,
            network="mastodon",
            handle="@benchvideo",
            remote_id=str(remote.pk),
            base_url=f"http://127.0.0.1:{port}/sandbox",
            credentials={"access_token": token},
            limits={"max_video_bytes": limit},
        )

        procs.start(
            "sandbox",
            [PY, "-m", "gunicorn", "smm.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread", "-w", "2"]
            + ["--threads", "8", "--timeout", "600", "--preload", "--log-level", "warning"],
        )
        worker = procs.start(
            "worker",
            [PY, "-m", "celery", "-A", "smm", "worker", "-Q", "publish", "-P", "threads", "-c", str(args.concurrency)]
            + ["-l", "info", "-n", "benchvideo@%h", "--without-mingle", "--without-gossip"],
        )
        procs.start("beat", [PY, "-m", "celery", "-A", "smm", "beat", "-l", "warning", "-s", str(tmp / "beat")])
        import requests

        instance = f"http://127.0.0.1:{port}/sandbox/api/v2/instance"
        wait_for(lambda: _up(requests, instance), 60, "the sandbox")
        log = tmp / "worker.log"
        wait_for(lambda: " ready." in log.read_text() or worker.poll() is not None, 90, "the worker")
        if worker.poll() is not None:
            raise SystemExit(log.read_text()[-3000:])
        time.sleep(2)  # let the worker settle after "ready" before reading its idle memory
        idle = rss_mb(worker.pid)

        upload_url = f"http://127.0.0.1:{port}/sandbox/api/v2/media"
        plain = [plain_upload(upload_url, token, video)]

        # --- the worker publishes the video post ---
        due = timezone.now() + dt.timedelta(seconds=1)
        post = Post.objects.create(workspace=ws, brand=brand, text="Bench video", scheduled_at=due)
        PostMedia.objects.create(post=post, asset=asset)
        target = PostTarget.objects.create(post=post, account=account, state=TargetState.SCHEDULED, due_at=due)

        def started():
            return PostTarget.objects.filter(pk=target.pk, state=TargetState.PUBLISHING).exists() and time.time()

        began = wait_for(started, 60, "the worker to take the video post", interval=0.02)
        sent = wait_for(
            lambda: (PostTarget.objects.get(pk=target.pk).publish_state or {}).get("video_uploaded_at"),
            600,
            "the worker's upload",
            interval=0.1,
        )
        uploaded = dt.datetime.fromisoformat(sent).timestamp() - began
        wait_for(
            lambda: PostTarget.objects.filter(
                pk=target.pk, state__in=[TargetState.PUBLISHED, TargetState.FAILED, TargetState.UNKNOWN]
            ).exists(),
            120,
            "the video post to be published",
            interval=0.2,
        )
        target.refresh_from_db()
        peak = peak_rss_mb(worker.pid)
        plain.append(plain_upload(upload_url, token, video))

        size_mb = found.size / 1e6
        plain_rate = size_mb / (sum(plain) / len(plain))
        worker_rate = size_mb / uploaded
        on_sandbox = SandboxStatus.objects.filter(account=remote, text="Bench video")
        results["worker"] = {
            "state": target.state,
            "statuses_on_sandbox": on_sandbox.count(),
            "video_attached": bool(on_sandbox.exists() and on_sandbox.first().media_attachments.exists()),
            "idle_rss_mb": idle,
            "peak_rss_mb": peak,
            "peak_over_idle_mb": round(peak - idle, 1),
            "upload_s": round(uploaded, 2),
            "upload_mb_s": round(worker_rate, 1),
        }
        results["plain_requests"] = {
            "upload_s": [round(s, 2) for s in plain],
            "upload_mb_s": round(plain_rate, 1),
        }
        results["throughput_vs_plain"] = round(worker_rate / plain_rate, 2)
        results["targets"] = {"peak_rss_mb_under": 150, "throughput_vs_plain_at_least": 0.8}
        results["met"] = peak < 150 and worker_rate / plain_rate >= 0.8 and target.state == TargetState.PUBLISHED
        from django.db import connections

        connections.close_all()
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))


def _up(requests, url) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


if __name__ == "__main__":
    main()
