"""The Network options card's hint says what each network's options are for; it is built
from the network registry and the option fields, so a network added to either is named."""

import html

import pytest

from posts import network_options
from smm.platforms.registry import NETWORKS
from tests.posts.pages import as_user, url

pytestmark = pytest.mark.django_db


def test_the_hint_names_every_network_of_the_registry():
    hint = network_options.hint()
    for row in NETWORKS.values():
        assert row.label in hint, f"{row.label} is missing from the composer's hint"


def test_every_network_with_options_says_what_they_are_for():
    # a network given option fields must say in words what they are for
    assert set(network_options.SUMMARIES) == set(network_options.FIELDS)
    hint = network_options.hint()
    for name, summary in network_options.SUMMARIES.items():
        assert f"{NETWORKS[name].label}: {summary}" in hint


def test_networks_without_options_are_named_as_such():
    hint = network_options.hint()
    plain = [row.label for name, row in NETWORKS.items() if name not in network_options.FIELDS]
    assert plain, "every network has options now: drop this test's premise"
    tail = hint[hint.index("have no options") - 80 :]
    for label in plain:
        assert label in tail


def test_the_composer_shows_the_hint(client, team):
    as_user(client, team.editor)
    page = html.unescape(client.get(url("new", team)).content.decode())
    assert network_options.hint() in page
    assert "TikTok: " in page and "YouTube: " in page and "Pinterest: " in page
