"""Reaching the posts pages as a member of the ``team`` fixture: their URLs and the composer's form."""

from __future__ import annotations

from django.urls import reverse


def url(url_name, team, **kwargs):
    return reverse(f"posts:{url_name}", kwargs={"ws": team.workspace.slug, **kwargs})


def as_user(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def composer_data(team, **overrides):
    """What the composer posts: a draft for the brand's Mastodon and X accounts."""
    data = {
        "brand": team.brand.pk,
        "accounts": [team.mastodon.pk, team.x.pk],
        "text": "Our autumn blend is here",
        "link": "",
        "campaign": "",
        "date": "",
        "time": "",
        "action": "draft",
    }
    data.update(overrides)
    return data
