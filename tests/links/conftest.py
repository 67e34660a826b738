import pytest


@pytest.fixture(autouse=True)
def _links_without_buffer(settings, monkeypatch):
    """Clicks go straight to the database unless a test gives a buffer."""
    from links import clicks

    settings.CLICK_BUFFER_URL = ""
    monkeypatch.setattr(clicks, "_buffer_down_until", 0.0)
    settings.SHORT_LINK_DOMAIN = ""
    settings.SITE_URL = "https://smm.example.com"


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    from links.models import UtmPreset
    from posts.models import Campaign, Post, PostTarget

    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive")
    brand = make_brand(ws, "Acme Coffee")
    x = make_account(brand, network="x", handle="@acme")
    mastodon = make_account(brand, network="mastodon", handle="@acme@social.example")
    campaign = Campaign.objects.create(workspace=ws, name="Spring Sale 2026")
    post = Post.objects.create(
        workspace=ws,
        brand=brand,
        author=owner,
        campaign=campaign,
        text="New beans! https://shop.example.com/beans?size=1kg#buy and more",
        link="https://shop.example.com/beans?size=1kg#buy",
    )
    # the workspace turned UTM and short links on (off by default), with the default values
    UtmPreset.objects.create(workspace=ws, add_utm=True, short_links=True)
    targets = {
        "x": PostTarget.objects.create(post=post, account=x),
        "mastodon": PostTarget.objects.create(post=post, account=mastodon),
    }
    return {"ws": ws, "owner": owner, "brand": brand, "campaign": campaign, "post": post, "targets": targets}
