"""State changes of links and presets: atomic, audited, and the redirect's cache told
after commit (so the next visit follows the change)."""

from __future__ import annotations

from django.db import transaction

from links import resolve
from links.models import TrackedLink, UtmPreset
from smm.models import record_event


def _forget_after_commit(codes: list[str]) -> None:
    """Now, and again after commit: a visit in between may have cached the old row."""
    resolve.forget(codes)
    transaction.on_commit(lambda: resolve.forget(codes))


def _remember_after_commit(link: TrackedLink) -> None:
    resolve.forget([link.code])
    transaction.on_commit(lambda: resolve.remember(link))


@transaction.atomic
def set_paused(link: TrackedLink, paused: bool, *, actor) -> TrackedLink:
    link.paused = paused
    link.save(update_fields=["paused", "updated_at"])
    verb = "link.paused" if paused else "link.resumed"
    record_event(link.workspace, actor, verb, link, f"{'Paused' if paused else 'Resumed'} {link.short_url}")
    _remember_after_commit(link)
    return link


@transaction.atomic
def repoint(link: TrackedLink, destination: str, *, actor) -> TrackedLink:
    before = link.destination
    link.destination = destination
    link.save(update_fields=["destination", "updated_at"])
    record_event(
        link.workspace, actor, "link.repointed", link, f"{link.short_url} now leads to {destination}", before=before
    )
    _remember_after_commit(link)
    return link


@transaction.atomic
def save_preset(form, *, workspace, brand=None, campaign=None, actor) -> UtmPreset:
    preset = form.save(commit=False)
    preset.workspace, preset.brand, preset.campaign = workspace, brand, campaign
    preset.custom = form.cleaned_data["custom_text"]
    preset.save()
    where = campaign or brand or workspace
    record_event(workspace, actor, "utm_preset.saved", preset, f"Link settings of {where} saved")
    # Tracking on or off changes what the redirect does with the clicks of existing links.
    links = TrackedLink.objects.for_workspace(workspace)
    if brand is not None:
        links = links.filter(brand=brand)
    if campaign is None:
        _forget_after_commit(list(links.values_list("code", flat=True)))
    return preset
