"""A brand with three accounts on three networks, posting slots, an image in the media
library and a campaign; helpers that run an import in-process (the worker's function)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from posts import bulk
from posts.media import store_upload
from posts.models import BulkImport, Campaign, PostingSlot


def png_bytes(size=(64, 48), colour="orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Northwind", approval_policy="none")
    owner = make_member(ws, "owner", username="olivia")
    editor = make_member(ws, "editor", username="eddie")
    contributor = make_member(ws, "contributor", username="cora")
    client = make_member(ws, "client", username="clara")
    brand = make_brand(ws, "Northwind Coffee", time_zone="Europe/Paris")
    mastodon = make_account(brand, "mastodon", "@northwind@social.example", base_url="https://social.example")
    x = make_account(brand, "x", "@northwind")
    bluesky = make_account(brand, "bluesky", "@northwind.bsky.social")
    for weekday in range(7):
        for hour in (9, 13, 18):
            PostingSlot.objects.create(brand=brand, weekday=weekday, time=f"{hour}:00")
    asset = store_upload(ws, ContentFile(png_bytes(), name="spring.png"), alt_text="A cup", user=owner)
    campaign = Campaign.objects.create(workspace=ws, name="Spring launch")
    return {
        "ws": ws,
        "owner": owner,
        "editor": editor,
        "contributor": contributor,
        "client": client,
        "brand": brand,
        "mastodon": mastodon,
        "x": x,
        "bluesky": bluesky,
        "asset": asset,
        "campaign": campaign,
    }


@pytest.fixture
def run_import(world):
    """Start an import of ``text`` as ``user`` and run it as the worker would, in-process."""
    from smm.models import Membership

    def run(text: str, *, user=None, dry_run=False, brand=None, file_name="posts.csv") -> BulkImport:
        user = user or world["owner"]
        membership = Membership.objects.get(workspace=world["ws"], user=user)
        job = bulk.start(
            world["ws"], brand or world["brand"], membership, content=text, file_name=file_name, dry_run=dry_run
        )
        bulk.run(job.pk)
        job.refresh_from_db()
        return job

    return run
