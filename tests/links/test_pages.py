"""The links pages: clicks per link, pause and re-point (owners and managers), link settings
per level, the composer's preview of the links as published, and tenancy."""

import pytest
from django.test import Client

from links.models import Click, TrackedLink, UtmPreset
from smm.models import AuditEvent

pytestmark = pytest.mark.django_db

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


@pytest.fixture
def link(world):
    return TrackedLink.objects.create(
        workspace=world["ws"],
        brand=world["brand"],
        target=world["targets"]["x"],
        original_url="https://shop.example.com/beans",
        destination="https://shop.example.com/beans?utm_source=x",
    )


def member(world, make_member, role):
    client = Client()
    client.force_login(make_member(world["ws"], role, username=f"m-{role}"))
    return client


def as_owner(world):
    client = Client()
    client.force_login(world["owner"])
    return client


def test_the_list_shows_clicks_and_uniques_without_bots(world, link):
    for address in ("198.51.100.1", "198.51.100.1", "198.51.100.2"):
        Client().get(f"/l/{link.code}", HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR=address)
    Client().get(f"/l/{link.code}", HTTP_USER_AGENT="Googlebot/2.1", REMOTE_ADDR="198.51.100.3")
    page = as_owner(world).get(f"/w/{world['ws'].slug}/links/?brand={world['brand'].pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert link.short_url in html
    assert '<td class="num" data-testid="clicks">3</td>' in html
    assert '<td class="num" data-testid="unique">2</td>' in html


def test_pause_and_repoint_take_effect_at_the_next_visit(world, link):
    client = as_owner(world)
    base = f"/w/{world['ws'].slug}/links/{link.pk}"
    Client().get(f"/l/{link.code}", HTTP_USER_AGENT=DESKTOP)  # cached now
    # pause
    assert client.post(f"{base}/pause/", {"paused": "1"}).status_code == 302
    assert Client().get(f"/l/{link.code}", HTTP_USER_AGENT=DESKTOP).status_code == 404
    # resume and re-point
    client.post(f"{base}/pause/", {"paused": "0"})
    response = client.post(f"{base}/repoint/", {"destination": "https://shop.example.com/new"})
    assert response.status_code == 302
    follow = Client().get(f"/l/{link.code}", HTTP_USER_AGENT=DESKTOP)
    assert follow["Location"].startswith("https://shop.example.com/new?smm_cid=")
    verbs = set(AuditEvent.objects.filter(workspace=world["ws"]).values_list("verb", flat=True))
    assert {"link.paused", "link.resumed", "link.repointed"} <= verbs


def test_a_bad_destination_is_refused_with_what_was_typed(world, link):
    response = as_owner(world).post(
        f"/w/{world['ws'].slug}/links/{link.pk}/repoint/", {"destination": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert "Enter a valid URL" in response.content.decode()
    link.refresh_from_db()
    assert link.destination == "https://shop.example.com/beans?utm_source=x"


def test_an_editor_sees_links_but_cannot_pause_them(world, link, make_member):
    editor = member(world, make_member, "editor")
    assert editor.get(f"/w/{world['ws'].slug}/links/").status_code == 200
    assert editor.post(f"/w/{world['ws'].slug}/links/{link.pk}/pause/", {"paused": "1"}).status_code == 403
    link.refresh_from_db()
    assert not link.paused


def test_another_workspace_cannot_see_or_touch_the_link(world, link, make_workspace, make_member):
    other_ws = make_workspace("Other")
    outsider = Client()
    outsider.force_login(make_member(other_ws, "owner", username="mallory"))
    page = outsider.get(f"/w/{other_ws.slug}/links/")
    assert link.code not in page.content.decode()
    assert outsider.post(f"/w/{other_ws.slug}/links/{link.pk}/pause/", {"paused": "1"}).status_code == 404
    assert outsider.get(f"/w/{other_ws.slug}/links/?brand={world['brand'].pk}").status_code == 404
    assert outsider.get(f"/w/{other_ws.slug}/links/settings/brands/{world['brand'].pk}/").status_code == 404


def test_brand_preset_saved_and_shown_with_inheritance(world):
    client = as_owner(world)
    url = f"/w/{world['ws'].slug}/links/settings/brands/{world['brand'].pk}/"
    form = client.get(url)
    assert "utm_medium=social" in form.content.decode()  # what it inherits
    response = client.post(
        url,
        {
            "add_utm": "",
            "short_links": "no",
            "override_existing": "",
            "source": "{network}-acme",
            "medium": "",
            "campaign_name": "",
            "content": "-",
            "term": "",
            "custom_text": "ref=smm",
        },
    )
    assert response.status_code == 302
    preset = UtmPreset.objects.get(brand=world["brand"])
    assert (preset.add_utm, preset.short_links, preset.source, preset.custom) == (
        None,
        False,
        "{network}-acme",
        {"ref": "smm"},
    )
    overview = client.get(f"/w/{world['ws'].slug}/links/settings/").content.decode()
    assert "utm_source={network}-acme" in overview
    assert "off (not tracked)" in overview


def test_a_bad_custom_line_is_refused_and_kept(world):
    client = as_owner(world)
    response = client.post(
        f"/w/{world['ws'].slug}/links/settings/workspace/",
        {
            "add_utm": "yes",
            "short_links": "yes",
            "override_existing": "no",
            "medium": "paid",
            "custom_text": "no equals sign",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not key=value" in html and "no equals sign" in html and 'value="paid"' in html
    assert UtmPreset.objects.get(workspace=world["ws"]).medium == ""  # unchanged


def test_composer_preview_shows_each_networks_final_link_and_length(world):
    client = as_owner(world)
    x, mastodon = world["targets"]["x"].account, world["targets"]["mastodon"].account
    text = "Beans " + "https://shop.example.com/" + "a" * 300
    response = client.post(
        f"/w/{world['ws'].slug}/links/composer-preview/",
        {"brand": world["brand"].pk, "accounts": [x.pk, mastodon.pk], "text": text, "campaign": world["campaign"].pk},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="link-preview"') == 2
    assert "https://smm.example.com/l/xxxxxxxx" in html
    assert "utm_source=x&amp;utm_medium=social&amp;utm_campaign=spring-sale-2026" in html
    assert "utm_source=mastodon" in html
    # X counts any URL as 23 before and after; the written length is what other networks count
    assert "29/280 as published" in html
    assert not Click.objects.exists() and not TrackedLink.objects.exists()  # a preview writes nothing


def test_composer_preview_of_a_saved_post_names_it_and_an_unsaved_one_says_so(world):
    client = as_owner(world)
    x = world["targets"]["x"].account
    data = {"brand": world["brand"].pk, "accounts": [x.pk], "text": "https://shop.example.com/"}
    unsaved = client.post(f"/w/{world['ws'].slug}/links/composer-preview/", data).content.decode()
    assert "utm_content=post-{post}" in unsaved
    saved = client.post(
        f"/w/{world['ws'].slug}/links/composer-preview/", {**data, "post_id": world["post"].pk}
    ).content.decode()
    assert f"utm_content=post-{world['post'].pk}" in saved


def test_composer_preview_says_when_links_are_published_as_written(world):
    UtmPreset.objects.filter(workspace=world["ws"]).update(add_utm=False, short_links=False)
    x = world["targets"]["x"].account
    response = as_owner(world).post(
        f"/w/{world['ws'].slug}/links/composer-preview/",
        {"brand": world["brand"].pk, "accounts": [x.pk], "text": "https://shop.example.com/"},
    )
    assert "Links are published as written" in response.content.decode()


def test_composer_preview_warns_when_the_rewritten_text_is_too_long(world, make_account):
    UtmPreset.objects.filter(workspace=world["ws"]).update(short_links=False)
    bluesky = make_account(world["brand"], network="bluesky", handle="acme.bsky.social")
    response = as_owner(world).post(
        f"/w/{world['ws'].slug}/links/composer-preview/",
        {"brand": world["brand"].pk, "accounts": [bluesky.pk], "text": "x" * 260 + " https://shop.example.com/beans"},
    )
    html = response.content.decode()
    assert 'data-testid="final-too-long"' in html
    assert "291/300" not in html and "as written: 291" in html
