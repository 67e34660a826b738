"""Video figures: how long a probe takes per video (``posts.video.probe``, what every
upload runs) and how fast a conversion runs (``posts.transcode.convert_file``, what the
"media" worker runs), each side by side with a baseline measured in the same run on the
same file:

- probe: median of N probes against the median of N plain ``av.open`` + close of the
  same file (the container header only; the probe also decodes one frame for the
  rotation and walks the MP4 boxes for faststart);
- transcode: seconds of video converted per second of wall time ("x realtime"), median of
  R runs, against a plain PyAV decode of every frame of the same file (video and audio,
  no filtering, no encoding): the floor a conversion cannot beat. Each decode and each
  conversion runs in its own fresh process, so its peak RSS is its own.

The clips are generated into a temporary directory with ``posts.video.make_clip`` (no
video is kept): by default a phone-like H.264 1080x1920 30 fps 20 s clip with sound, and
a 60 fps one of 10 s (the conversion halves its frame rate). Prints JSON.

    .venv/bin/python bench/video.py [--mode probe|transcode|all] [--probes 20] [--repeat 3]
        [--seconds 20] [--width 1080] [--height 1920]

``--mode publish`` runs ``bench/video_publish.py`` (a 300 MB video through a real worker
to the sandbox: the worker's peak RSS beside its idle RSS, and upload throughput against a
plain ``requests`` streaming upload of the same file; it needs DATABASE_URL on PostgreSQL
and REDIS_URL) and puts its JSON under "publish". It is not part of "all".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "load_1m_at_start": round(load[0], 2),
        "python": platform.python_version(),
    }


def make_clips(tmp: Path, args) -> list[dict]:
    from posts.video import make_clip, probe

    specs = [
        {"name": "phone", "fps": 30, "seconds": args.seconds},
        {"name": "60fps", "fps": 60, "seconds": max(1.0, args.seconds / 2)},
    ]
    clips = []
    for spec in specs:
        path = tmp / f"{spec['name']}.mp4"
        started = time.perf_counter()
        make_clip(path, seconds=spec["seconds"], width=args.width, height=args.height, fps=spec["fps"])
        found = probe(path)
        clips.append(
            {
                "name": spec["name"],
                "path": str(path),
                "made_in_s": round(time.perf_counter() - started, 2),
                "seconds": found.duration,
                "size": f"{found.width}x{found.height}",
                "fps": found.frame_rate,
                "codec": found.video_codec,
                "audio": found.audio_codec,
                "bytes": found.size,
            }
        )
    return clips


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def mode_probe(clips: list[dict], args) -> dict:
    import av

    from posts.video import probe

    def plain_open(path):
        with av.open(path):
            pass

    out = {}
    for clip in clips:
        path = clip["path"]
        probe(path)  # warm the page cache and PyAV's first-use costs, as for both
        plain_open(path)
        probe_ms = _median_ms(lambda path=path: probe(path), args.probes)
        open_ms = _median_ms(lambda path=path: plain_open(path), args.probes)
        out[clip["name"]] = {
            "runs": args.probes,
            "probe_median_ms": probe_ms,
            "baseline_open_median_ms": open_ms,
            "probe_over_open": round(probe_ms / open_ms, 2) if open_ms else None,
        }
    return out


def decode_only(path: str) -> int:
    import av

    frames = 0
    with av.open(path) as container:
        streams = [container.streams.video[0]] + list(container.streams.audio[:1])
        container.streams.video[0].thread_type = "AUTO"
        for packet in container.demux(*streams):
            for _ in packet.decode():
                frames += 1
    return frames


def _timed_child(kind: str, path: str, target: str, conn) -> None:
    """In a fresh process (its peak RSS is its own): decode or convert once."""
    setup_django()
    from posts.transcode import convert_file

    updates = []
    started = time.perf_counter()
    if kind == "decode":
        decode_only(path)
    else:
        convert_file(path, target, on_progress=updates.append)
    conn.send({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(), "updates": len(updates)})
    conn.close()


def _in_child(kind: str, path: str, target: str = "") -> dict:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_timed_child, args=(kind, path, target, child))
    process.start()
    child.close()
    result = parent.recv()
    process.join()
    return result


def mode_transcode(clips: list[dict], args) -> dict:
    """Each decode and each conversion in its own process, one after the other, so each
    has its own peak RSS (what a "media" worker process would need for it)."""
    from posts.video import probe

    out = {}
    tmp = Path(clips[0]["path"]).parent
    for clip in clips:
        path, seconds = clip["path"], clip["seconds"]
        decodes, converts = [], []
        result = None
        for run in range(args.repeat):
            decodes.append(_in_child("decode", path))
            target = tmp / f"{clip['name']}-converted-{run}.mp4"
            converts.append(_in_child("convert", path, str(target)))
            result = probe(target)
            target.unlink()
        decode_s = statistics.median(d["seconds"] for d in decodes)
        convert_s = statistics.median(c["seconds"] for c in converts)
        out[clip["name"]] = {
            "runs": args.repeat,
            "transcode_median_s": round(convert_s, 2),
            "transcode_x_realtime": round(seconds / convert_s, 2),
            "baseline_decode_median_s": round(decode_s, 2),
            "baseline_decode_x_realtime": round(seconds / decode_s, 2),
            "transcode_over_decode_time": round(convert_s / decode_s, 2),
            "all_transcode_s": [round(c["seconds"], 2) for c in converts],
            "all_decode_s": [round(d["seconds"], 2) for d in decodes],
            "transcode_peak_rss_mb": max(c["peak_rss_mb"] for c in converts),
            "decode_peak_rss_mb": max(d["peak_rss_mb"] for d in decodes),
            "progress_updates": converts[-1]["updates"],
            "output": {
                "size": f"{result.width}x{result.height}",
                "fps": result.frame_rate,
                "codec": result.video_codec,
                "pixel_format": result.pixel_format,
                "audio": result.audio_codec,
                "faststart": result.faststart,
                "bitrate": result.bitrate,
                "bytes": result.size,
            },
        }
    return out


MODES = {"probe": mode_probe, "transcode": mode_transcode}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=[*MODES, "all", "publish"], default="all")
    parser.add_argument("--mb", type=int, default=300, help="publish: size of the generated video, MB")
    parser.add_argument("--probes", type=int, default=20, help="probes per clip (median)")
    parser.add_argument("--repeat", type=int, default=3, help="conversions per clip (median)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--width", type=int, default=1080)
    parser.add_argument("--height", type=int, default=1920)
    args = parser.parse_args(argv)
    if args.mode == "publish":
        return publish(args)
    setup_django()
    report = {"bench": "video", "machine": machine(), "args": vars(args)}
    modes = list(MODES) if args.mode == "all" else [args.mode]
    with tempfile.TemporaryDirectory(prefix="smm-bench-video-") as tmp:
        clips = make_clips(Path(tmp), args)
        report["clips"] = [{k: v for k, v in clip.items() if k != "path"} for clip in clips]
        for name in modes:
            report[name] = MODES[name](clips, args)
    report["machine"]["load_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))
    return 0


def publish(args) -> int:
    """The publishing figures, from bench/video_publish.py in its own processes."""
    import subprocess

    script = Path(__file__).with_name("video_publish.py")
    done = subprocess.run([sys.executable, str(script), "--mb", str(args.mb)], capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode:
        return done.returncode
    report = {"bench": "video", "machine": machine(), "publish": json.loads(done.stdout[done.stdout.index("{") :])}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
