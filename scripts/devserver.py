"""Start web + Celery worker + Celery beat + the listening consumer (and the sandbox's stream)
together for the embedded default (make run).

Stops them all when any of them exits or on Ctrl-C; each child is stopped by its pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("SMM_HOST", "127.0.0.1")
PORT = os.environ.get("SMM_PORT", "8000")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    os.environ.setdefault("SITE_URL", f"http://{HOST}:{PORT}")
    import django

    django.setup()
    from django.conf import settings

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    queues = ",".join(settings.WORKER_QUEUES)
    commands = {
        "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "smm",
            "worker",
            "-l",
            settings.LOG_LEVEL,
            "-Q",
            queues,
            "--concurrency",
            "2",
            "-n",
            "embedded@%h",
        ],
        "beat": [
            PY,
            "-m",
            "celery",
            "-A",
            "smm",
            "beat",
            "-l",
            settings.LOG_LEVEL,
            "-s",
            str(Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)),
        ],
    }
    # Listening: the Jetstream consumer, and with the sandbox its Jetstream-like stream to read.
    commands["listen"] = [PY, "manage.py", "listen_jetstream"]
    if settings.SANDBOX_ENABLED:
        port = str(settings.SANDBOX_JETSTREAM_PORT)
        commands["stream"] = [PY, "manage.py", "sandbox_jetstream", "--port", port, "--chatter-per-minute", "4"]
    children = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in commands.items()}
    print(
        f"\n  SMM is running at http://{HOST}:{PORT}/\n"
        f"  Log in as demo / demo-smm-2026 (client view: acme-client / demo-smm-2026)\n"
        f"  Sandbox network: http://{HOST}:{PORT}/sandbox/\n  Ctrl-C stops web, worker, beat and listening.\n",
        flush=True,
    )

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children.values()):
        time.sleep(0.5)
    for _name, child in children.items():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
