"""The Celery app of bench/publish.py's worker: SMM's own app (same settings, same
tasks, same "publish" queue) plus one no-op task that sleeps like a network call, to
measure what this worker setup can do at best. Never imported by the product."""

from __future__ import annotations

import os
import sys
import time

if __name__ == "__main__":  # `make bench` runs every bench/*.py; this one is not a benchmark
    print("bench/publish_worker.py is the worker app of bench/publish.py; run that instead.")
    sys.exit(0)

import redis  # noqa: E402

if os.environ.get("BENCH_SWITCH_INTERVAL"):  # experiment: GIL hand-over period of the worker
    sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))

from smm.celery import app  # noqa: E402

_redis = redis.Redis.from_url(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4")


@app.task(name="bench.sleep_noop", queue="publish", ignore_result=True, acks_late=True)
def sleep_noop(seconds: float = 0.05) -> None:
    time.sleep(seconds)
    now = time.time()
    pipe = _redis.pipeline()
    pipe.incr("bench:noop:done")
    pipe.set("bench:noop:last", repr(now))
    pipe.execute()


__all__ = ["app", "sleep_noop"]
