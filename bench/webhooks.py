"""Meta webhook benchmark: how long Meta waits for our answer, by delivery size.

Times the signed POST to ``/hooks/meta/`` (through Django's test client, in-process)
two ways in one run, each delivery with fresh comment ids:

- ``answer_ms``: what the receiver does now: check the signature, store the delivery,
  wake a worker (after commit), answer;
- ``inline_ms``: the baseline, the same view ingesting the delivery before it answers
  (what it did before deliveries were stored);

and ``worker_ms``: the ingest the worker then does for a stored delivery. Prints JSON
with medians and the inline : answer ratio per size. Meta batches up to 1,000 changes
and wants its answer within seconds.

Runs in its own database like ``bench/inbox.py`` (``bench_webhooks`` on the PostgreSQL
of DATABASE_URL, else SQLite in a temporary folder). ``python bench/webhooks.py --runs 5``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_NAME", "bench_webhooks")

from bench.inbox import build_world, choose_database, setup_django  # noqa: E402

SECRET = "bench-app-secret"
_ids = itertools.count(1)


def delivery(account_remote_id: str, size: int) -> bytes:
    changes = [
        {
            "field": "comments",
            "value": {
                "id": f"18{next(_ids):015d}",
                "text": "This arrived broken, I want a refund" if n % 7 == 0 else "Love the new roast!",
                "from": {"id": str(1000 + n), "username": f"fan{n}"},
                "media": {"id": "17900000000000009", "media_product_type": "FEED"},
            },
        }
        for n in range(size)
    ]
    payload = {"object": "instagram", "entry": [{"id": account_remote_id, "time": 1772445600, "changes": changes}]}
    return json.dumps(payload).encode()


def post(client, body: bytes):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    started = time.perf_counter()
    response = client.post(
        "/hooks/meta/", body, content_type="application/json", headers={"X-Hub-Signature-256": signature}
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="changes per delivery")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    database_url, vendor = choose_database()
    setup_django(database_url)
    from django.conf import settings
    from django.test import Client

    from inbox import webhooks
    from inbox.models import InboundWebhook, InboxItem
    from smm.models import SocialAccount

    settings.META_APP_SECRET = SECRET
    # wake-ups go to an in-memory broker (a Redis publish in production), never to a real queue
    settings.CELERY_BROKER_URL = "memory://"
    from smm.celery import app

    app.conf.broker_url = "memory://"
    settings.ALLOWED_HOSTS = ["*"]
    _workspace, _user, brands, _accounts = build_world(5)
    account = SocialAccount.objects.create(
        brand=brands[0], network="instagram", handle="@bench.gram", remote_id="17841400000000001", credentials={}
    )
    client = Client()
    stored_receive = webhooks.receive
    post(client, delivery(account.remote_id, 1))  # warm-up, untimed: first-request costs stay out

    def inline(source, payload):  # the baseline: ingest before answering
        webhooks.ingest_delivery(payload)

    results = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        answer, inline_ms, worker = [], [], []
        for _ in range(args.runs):
            # side by side in one loop, so both see the same machine
            webhooks.receive = stored_receive
            answer.append(post(client, delivery(account.remote_id, size)))
            hook = InboundWebhook.objects.filter(processed_at__isnull=True).order_by("-pk").first()
            if hook is not None:  # the worker's share (no worker runs here)
                started = time.perf_counter()
                webhooks.process(hook.pk)
                worker.append((time.perf_counter() - started) * 1000)
            webhooks.receive = inline
            inline_ms.append(post(client, delivery(account.remote_id, size)))
        webhooks.receive = stored_receive
        answer_median, inline_median = statistics.median(answer), statistics.median(inline_ms)
        results[str(size)] = {
            "answer_ms": round(answer_median, 1),
            "inline_ms": round(inline_median, 1),
            "inline_to_answer": round(inline_median / answer_median, 1),
            "worker_ms": round(statistics.median(worker), 1) if worker else None,
        }
    print(
        json.dumps(
            {
                "benchmark": "meta webhooks",
                "database": vendor,
                "runs": args.runs,
                "items_stored": InboxItem.objects.count(),
                "by_changes_per_delivery": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
