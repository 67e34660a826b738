"""The sandbox's public reading endpoints, as Mastodon answers them, so listening's polling
and competitor snapshots run here end to end:

- ``GET /api/v1/timelines/tag/:hashtag``: public statuses carrying the hashtag, newest
  first, Mastodon's paging (``max_id``, ``since_id``, ``min_id``, ``limit`` up to 40);
- ``GET /api/v2/search?q=&type=statuses``: statuses whose text has every word of ``q``;
  like Mastodon it needs a logged-in account for statuses (without one: no statuses).
  The sandbox runs "full-text search"; a real instance without it answers with the
  account's own posts only (listening detects that from the answer);
- ``GET /api/v1/accounts/lookup?acct=``: an account by its name.

``hashtag_chatter`` writes audience posts carrying the hashtags the installation's monitors
follow (the Jetstream stand-in's ``chatter`` uses their terms), so the demo's timelines
have something to read.
"""

from __future__ import annotations

import random
import re

from django.http import JsonResponse

from sandbox.api import _page, _visible_statuses, api_view, error
from sandbox.entities import account_json, base_url, status_json
from sandbox.models import SandboxAccount, SandboxStatus

TAG = re.compile(r"^\w{1,100}$")


def _public():
    return _visible_statuses(None).filter(visibility=SandboxStatus.Visibility.PUBLIC)


def _listed(request, rows):
    page, link = _page(request, rows)
    response = JsonResponse([status_json(s, request) for s in page], safe=False)
    if link:
        response["Link"] = link
    return response


@api_view(auth=False)
def tag_timeline(request, name):
    tag = name.lstrip("#")
    if not TAG.match(tag):
        return error("Record not found", 404)
    rows = _public().filter(text__iregex=rf"#{re.escape(tag)}(\W|$)")
    return _listed(request, rows)


@api_view(auth=False)
def search(request):
    query = (request.GET.get("q") or "").strip()
    kind = request.GET.get("type", "")
    statuses = []
    if query and kind in ("", "statuses") and request.sandbox_account is not None:
        rows = _public()
        for word in re.findall(r"\w+", query)[:10]:
            rows = rows.filter(text__iregex=rf"(^|\W){re.escape(word)}(\W|$)")
        page, _ = _page(request, rows)
        statuses = [status_json(s, request) for s in page]
    return JsonResponse({"accounts": [], "statuses": statuses, "hashtags": []})


@api_view(auth=False)
def account_lookup(request):
    name = (request.GET.get("acct") or "").lstrip("@").split("@")[0]
    account = SandboxAccount.objects.filter(username=name).first() if name else None
    if account is None:
        return error("Record not found", 404)
    return JsonResponse(account_json(account, base_url(request)))


GLAD = ["Loving my morning with #{tag}", "#{tag} made my day, thank you!", "Best cup in town #{tag}"]
ANGRY = ["#{tag} lost my order again, awful", "Waited 40 minutes #{tag}, terrible service"]


def hashtag_chatter(rng: random.Random, *, angry_share: float = 0.2) -> SandboxStatus | None:
    """One audience post carrying a hashtag some monitor follows (none without such monitors)."""
    from django.apps import apps

    from sandbox.actions import NewStatus, post_status
    from sandbox.simulator import audience

    if not apps.is_installed("listening"):
        return None
    monitor_model = apps.get_model("listening", "Monitor")
    tags = sorted(
        {
            tag.lstrip("#")
            for tags in monitor_model.objects.filter(active=True).values_list("hashtags", flat=True)
            for tag in tags
            if tag.strip("# ")
        }
    )
    people = audience()
    if not tags or not people:
        return None
    texts = ANGRY if rng.random() < angry_share else GLAD
    status, _ = post_status(
        rng.choice(people), NewStatus(text=rng.choice(texts).format(tag=rng.choice(tags)), language="en")
    )
    return status
