"""Upload checks and re-encoding of animated GIFs: peak memory and time per file. Prints JSON.

    .venv/bin/python bench/media.py [--at COMMIT]

Each GIF is tiny on disk (one flat frame, then frames that change one pixel) and large once
decoded. Each is checked and re-encoded (posts.media: inspect_image, reencode, thumbnail)
in a fresh interpreter whose peak resident size is reset just before (Linux: clear_refs 5
resets VmHWM), so peak_growth_mb is what the upload alone made it hold. ``--at COMMIT``
measures that commit's posts/media.py instead of the working tree's (for a before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (width, height, frames)
CASES = [
    (2000, 2000, 40),  # the report's file: 160 million pixels, refused
    (1000, 1000, 90),  # just under the default limit of 100 million: stored
    (480, 480, 100),  # a usual reaction GIF
    (8, 8, 1000),  # many tiny frames
]

CHILD = r"""
import importlib.util, json, re, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
spec = importlib.util.spec_from_file_location("media_under_test", sys.argv[1])
media = importlib.util.module_from_spec(spec)
spec.loader.exec_module(media)

def kb(field):
    return int(re.search(field + r":\s+(\d+)", open("/proc/self/status").read()).group(1))

data = sys.stdin.buffer.read()
with open("/proc/self/clear_refs", "w") as peak:
    peak.write("5")
before = kb("VmRSS")
started = time.perf_counter()
try:
    image = media.inspect_image(data)
    body = media.reencode(image)[0]
    media.thumbnail(image)
    outcome, stored_bytes = "stored", len(body)
except ValidationError as refused:
    outcome, stored_bytes = "refused: " + refused.messages[0], None
print(json.dumps({
    "outcome": outcome,
    "stored_bytes": stored_bytes,
    "seconds": round(time.perf_counter() - started, 3),
    "peak_growth_mb": round((kb("VmHWM") - before) / 1024, 1),
}))
"""


def gif(width: int, height: int, frames: int) -> bytes:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    django.setup()
    from tests.posts.test_media import animated_gif  # the tests' builder: the same files

    return animated_gif(width, height, frames)


def measure(module: Path, data: bytes) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smm.settings", "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(module)],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    if done.returncode:
        return {"error": done.stderr.decode()[-500:]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--at", help="measure posts/media.py as it was at this commit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        module = ROOT / "posts" / "media.py"
        if args.at:
            module = Path(folder) / "media.py"
            module.write_bytes(subprocess.check_output(["git", "show", f"{args.at}:posts/media.py"], cwd=ROOT))
        results = []
        for width, height, frames in CASES:
            data = gif(width, height, frames)
            started = time.perf_counter()
            result = measure(module, data)
            results.append(
                {
                    "gif": f"{width}x{height} x {frames} frames",
                    "bytes_on_disk": len(data),
                    "decoded_megapixels": round(width * height * frames / 1e6, 1),
                    **result,
                    "process_seconds": round(time.perf_counter() - started, 2),
                }
            )
    print(json.dumps({"module": args.at or "working tree", "results": results}, indent=2))


if __name__ == "__main__":
    main()
