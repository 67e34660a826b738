"""Media for tests: a generated video in a workspace's library (no video is kept in git)."""

from __future__ import annotations

from django.core.files import File

from posts.models import MediaAsset
from posts.video import probe


def video_asset(workspace, path, *, name: str | None = None) -> MediaAsset:
    """A ``MediaAsset`` of the video at ``path`` (made with ``posts.video.make_clip``), with
    every probe field, as an upload leaves it (without a poster)."""
    name = name or str(path).rsplit("/", 1)[-1]
    asset = MediaAsset(workspace=workspace, original_name=name)
    probe(path).apply_to(asset)
    with open(path, "rb") as handle:
        asset.file.save(name, File(handle), save=False)
    asset.save()
    return asset
