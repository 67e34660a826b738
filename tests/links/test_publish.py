"""At publish time every link of a target becomes its own short link, whose destination
carries the network's UTM parameters (posts.content.build_content through the hook)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from links.models import TrackedLink, UtmPreset
from posts.content import build_content

pytestmark = pytest.mark.django_db

ORIGINAL = "https://shop.example.com/beans?size=1kg#buy"


def test_each_target_gets_its_own_short_link_with_its_networks_utm(world):
    # when both targets are built for publishing
    x = build_content(world["targets"]["x"])
    mastodon = build_content(world["targets"]["mastodon"])
    # then the text and the link field carry one short link per target (the same URL once)
    x_link = TrackedLink.objects.get(target=world["targets"]["x"])
    m_link = TrackedLink.objects.get(target=world["targets"]["mastodon"])
    assert x_link.code != m_link.code
    assert x.text == f"New beans! https://smm.example.com/l/{x_link.code} and more"
    assert x.link == f"https://smm.example.com/l/{x_link.code}"
    assert mastodon.link == f"https://smm.example.com/l/{m_link.code}"
    # and each destination has the network as its source
    for link, network in ((x_link, "x"), (m_link, "mastodon")):
        assert link.original_url == ORIGINAL
        assert link.workspace == world["ws"] and link.brand == world["brand"]
        params = parse_qs(urlsplit(link.destination).query)
        assert params["utm_source"] == [network]
        assert params["utm_campaign"] == ["spring-sale-2026"]
        assert link.destination.endswith("#buy")


def test_a_retried_publish_reuses_its_codes(world):
    target = world["targets"]["x"]
    first = build_content(target)
    second = build_content(target)
    assert first.text == second.text
    assert TrackedLink.objects.filter(target=target).count() == 1


def test_a_brand_that_opted_out_publishes_utm_links_without_short_links(world):
    UtmPreset.objects.create(workspace=world["ws"], brand=world["brand"], short_links=False)
    content = build_content(world["targets"]["x"])
    assert not TrackedLink.objects.exists()
    assert content.link.startswith("https://shop.example.com/beans?size=1kg&utm_source=x&utm_medium=social")
    assert content.text.startswith("New beans! https://shop.example.com/beans?size=1kg&utm_source=x")


def test_nothing_changes_when_both_are_off(world):
    UtmPreset.objects.filter(workspace=world["ws"]).update(add_utm=False, short_links=False)
    content = build_content(world["targets"]["x"])
    assert content.text == world["post"].text and content.link == ORIGINAL


def test_a_workspace_without_link_settings_publishes_links_as_written(world):
    UtmPreset.objects.all().delete()
    content = build_content(world["targets"]["x"])
    assert content.text == world["post"].text and content.link == ORIGINAL
    assert not TrackedLink.objects.exists()


def test_a_link_with_its_own_utm_keeps_it_but_is_still_shortened(world):
    post = world["post"]
    post.text, post.link = "Read https://blog.example.com/a?utm_source=newsletter", ""
    post.save()
    content = build_content(world["targets"]["x"])
    link = TrackedLink.objects.get()
    assert link.destination == "https://blog.example.com/a?utm_source=newsletter"
    assert content.text == f"Read {link.short_url}"


def test_a_variant_text_is_rewritten_too(world):
    target = world["targets"]["mastodon"]
    target.text = "Fediverse only: https://other.example.org/page"
    target.save()
    content = build_content(target)
    codes = set(TrackedLink.objects.filter(target=target).values_list("original_url", flat=True))
    assert codes == {"https://other.example.org/page", ORIGINAL}
    assert "other.example.org" not in content.text


def test_a_failing_hook_publishes_the_links_as_written(world, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("links.publishing.rewrite", broken)
    content = build_content(world["targets"]["x"])
    assert content.text == world["post"].text and content.link == ORIGINAL
    assert "Link hook links.publishing.rewrite failed" in caplog.text


def test_short_links_use_the_short_domain_when_set(world, settings):
    settings.SHORT_LINK_DOMAIN = "go.acme.example"
    content = build_content(world["targets"]["x"])
    code = TrackedLink.objects.get().code
    assert content.link == f"https://go.acme.example/l/{code}"


def test_a_post_that_fits_is_never_pushed_over_its_networks_limit_by_utm(world, make_account):
    # given UTM on and short links off, and a Bluesky post of 290 characters with a link
    UtmPreset.objects.filter(workspace=world["ws"]).update(short_links=False)
    from posts.models import PostTarget

    bluesky = make_account(world["brand"], network="bluesky", handle="acme.bsky.social")
    text = "x" * 260 + " https://shop.example.com/beans"
    target = PostTarget.objects.create(post=world["post"], account=bluesky, text=text)
    # when it is built for publishing
    content = build_content(target)
    # then the links stay as written (UTM would make it 300+ graphemes), and X still gets UTM
    assert content.text == text
    assert "utm_source=x" in build_content(world["targets"]["x"]).text
