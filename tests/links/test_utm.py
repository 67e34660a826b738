"""UTM presets: the parameters each network's link gets, inheritance, existing UTM kept."""

from urllib.parse import parse_qs, urlsplit

import pytest

from links import utm
from links.models import UtmPreset

pytestmark = pytest.mark.django_db


def query(url):
    return parse_qs(urlsplit(url).query)


def test_parameters_per_network_with_defaults(world):
    # given a workspace without presets
    policy = utm.policy_for(world["ws"], world["brand"], world["campaign"])
    for network in ("x", "mastodon"):
        context = utm.placeholders(
            network=network, brand=world["brand"], campaign=world["campaign"], post=world["post"], target=None
        )
        # when the link gets its parameters
        url = utm.add_parameters("https://shop.example.com/beans?size=1kg#buy", policy.parameters(context))
        # then source is the network, medium social, campaign the slug, content the post
        assert query(url) == {
            "size": ["1kg"],
            "utm_source": [network],
            "utm_medium": ["social"],
            "utm_campaign": ["spring-sale-2026"],
            "utm_content": [f"post-{world['post'].pk}"],
        }
        assert url.startswith("https://shop.example.com/beans?size=1kg&utm_source=")
        assert url.endswith("#buy")  # the fragment stays last


def test_campaign_overrides_brand_overrides_workspace_blank_inherits(world):
    ws, brand, campaign = world["ws"], world["brand"], world["campaign"]
    UtmPreset.objects.filter(workspace=ws).update(medium="organic", custom={"ref": "smm", "team": "a"})
    UtmPreset.objects.create(workspace=ws, brand=brand, medium="", source="{network}-{brand}", custom={"team": "-"})
    UtmPreset.objects.create(workspace=ws, campaign=campaign, campaign_name="spring", content="-")
    policy = utm.policy_for(ws, brand, campaign)
    context = utm.placeholders(network="x", brand=brand, campaign=campaign, post=world["post"])
    pairs = dict(policy.parameters(context))
    assert pairs == {
        "utm_source": "x-acme-coffee",  # brand level
        "utm_medium": "organic",  # workspace level (the brand's blank inherits)
        "utm_campaign": "spring",  # campaign level
        "ref": "smm",  # custom, workspace level; "team" removed by the brand with "-"
    }
    assert policy.origin["utm_medium"] == "workspace"
    assert policy.origin["utm_source"] == "brand"
    assert policy.origin["utm_campaign"] == "campaign"


def test_a_link_with_its_own_utm_is_left_alone_unless_overridden():
    own = "https://shop.example.com/?utm_source=newsletter&x=1"
    pairs = [("utm_source", "x"), ("utm_medium", "social")]
    assert utm.add_parameters(own, pairs) == own
    overridden = utm.add_parameters(own, pairs, override=True)
    assert query(overridden) == {"x": ["1"], "utm_source": ["x"], "utm_medium": ["social"]}


def test_existing_query_keeps_its_spelling_and_values_are_encoded():
    url = utm.add_parameters("https://a.example/p?q=caf%C3%A9+au+lait&empty=", [("utm_campaign", "été & co")])
    assert url == "https://a.example/p?q=caf%C3%A9+au+lait&empty=&utm_campaign=%C3%A9t%C3%A9%20%26%20co"


def test_unknown_placeholder_stays_and_empty_values_are_left_out(world):
    policy = utm.policy_for(world["ws"])  # no campaign
    context = utm.placeholders(network="x", brand=world["brand"], campaign=None, post=world["post"])
    pairs = dict(policy.parameters(context))
    assert "utm_campaign" not in pairs  # {campaign} is empty without a campaign
    assert utm.fill("{nope}-{network}", {"network": "x"}) == "{nope}-x"


def test_non_web_links_are_untouched():
    assert utm.add_parameters("mailto:a@example.com", [("utm_source", "x")]) == "mailto:a@example.com"
