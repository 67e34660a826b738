"""A campaign with hand-worked figures:

- one post of "Spring Sale 2026" on X and Mastodon, published 1 May 2026 10:00 UTC;
  impressions reported: X 2,000, Mastodon 1,000 (3,000);
- human clicks: X 40 (30 distinct visitors), Mastodon 20 (20 visitors) = 60 clicks, 50
  unique; plus 5 bot clicks on X that count nowhere;
- conversions: three by click id of X clicks (100.00, 50.00, 30.50) and one by
  utm_campaign (19.50): 4 conversions, 200.00 revenue;
- spend 80.00 + 40.00 = 120.00; budget 500.00.

So CTR = 60 / 3,000 = 2.0 %, conversion rate = 4 / 60 = 6.7 %, CPC = 120 / 60 = 2.00,
CPA = 120 / 4 = 30.00, ROAS = 200 / 120 = 1.67, ROI = (200 - 120) / 120 = 66.7 %.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest

T0 = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def roi_world(make_workspace, make_member, make_brand, make_account):
    from analytics.models import PostMetricLatest
    from links import roi
    from links.models import Click, Spend, TrackedLink
    from posts.models import Campaign, Post, PostTarget, TargetState

    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive")
    brand = make_brand(ws, "Acme Coffee")
    x = make_account(brand, network="x", handle="@acme")
    masto = make_account(brand, network="mastodon", handle="@acme@social.example")
    campaign = Campaign.objects.create(workspace=ws, name="Spring Sale 2026", budget=Decimal("500.00"))
    post = Post.objects.create(workspace=ws, brand=brand, author=owner, campaign=campaign, text="New beans!")
    targets, links = {}, {}
    for name, account, impressions in (("x", x, 2000), ("mastodon", masto, 1000)):
        target = PostTarget.objects.create(post=post, account=account, state=TargetState.PUBLISHED, published_at=T0)
        PostMetricLatest.objects.create(
            target=target,
            post=post,
            workspace=ws,
            brand=brand,
            account=account,
            network=name,
            published_at=T0,
            captured_at=T0 + dt.timedelta(days=1),
            impressions=impressions,
        )
        targets[name] = target
        links[name] = TrackedLink.objects.create(
            workspace=ws,
            brand=brand,
            target=target,
            original_url="https://shop.example.com/beans",
            destination="https://shop.example.com/beans?utm_campaign=spring-sale-2026",
        )
    clicks = []
    at = T0 + dt.timedelta(hours=1)
    for i in range(40):
        clicks.append(Click(link=links["x"], at=at, click_id=f"x{i:03d}", visitor=f"vx{i % 30}"))
    for i in range(20):
        clicks.append(Click(link=links["mastodon"], at=at, click_id=f"m{i:03d}", visitor=f"vm{i}"))
    for i in range(5):
        clicks.append(Click(link=links["x"], at=at, click_id=f"bot{i}", visitor=f"vb{i}", is_bot=True))
    Click.objects.bulk_create(clicks)
    day = T0 + dt.timedelta(days=2)
    for order, value, cid, utm in (
        ("A-1", "100.00", "x001", ""),
        ("A-2", "50.00", "x002", ""),
        ("A-3", "30.50", "x003", ""),
        ("A-4", "19.50", "", "spring-sale-2026"),
    ):
        roi.record_conversion(
            ws,
            {"order_id": order, "value": value, "click_id": cid, "utm_campaign": utm, "occurred_at": day.isoformat()},
        )
    Spend.objects.create(workspace=ws, campaign=campaign, date=dt.date(2026, 5, 1), amount=Decimal("80.00"))
    Spend.objects.create(
        workspace=ws, campaign=campaign, date=dt.date(2026, 5, 2), amount=Decimal("40.00"), note="Boost"
    )
    return {
        "ws": ws,
        "owner": owner,
        "brand": brand,
        "campaign": campaign,
        "post": post,
        "targets": targets,
        "links": links,
        "accounts": {"x": x, "mastodon": masto},
    }


def signed(secret: str, body: dict | bytes, timestamp: int) -> tuple[bytes, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + raw, hashlib.sha256).hexdigest()
    return raw, {"HTTP_X_SMM_TIMESTAMP": str(timestamp), "HTTP_X_SMM_SIGNATURE": f"sha256={digest}"}
