"""A marketer writes one post for Mastodon, X, Instagram and LinkedIn and sees, beside the
editor, how each network will show it: name, styled links, mentions and hashtags, the
"more" cut where the network cuts, the image cropped to the network's shape, Mastodon's
content warning; then inserts a hashtag group at the cursor of the X tab."""

import pytest
from playwright.sync_api import expect

from posts.previews import PREVIEW_RULES, cut

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Autumn blend is in with @barista@coffee.example, see https://example.com/autumn-blend-2026-limited #coffee. "
    "Roasted in small batches every Monday morning, packed by hand, and shipped the same day to every "
    "corner of the country, so it reaches you fresh. Come taste it at the shop this weekend!"
)


def card(page, shop, network):
    return page.locator(f'[data-testid=preview][data-account="{shop.accounts[network].pk}"]')


def box_ratio(locator) -> float:
    box = locator.bounding_box()
    return box["width"] / box["height"]


def test_previews_follow_the_text_and_each_network_cuts_and_crops_its_way(
    page, live_server, login, screenshot, shop, tall_image
):
    # given: the editor on the composer, the brand's four accounts picked
    login("editor")
    page.goto(f"{live_server.url}/w/{shop.workspace.slug}/posts/new/")
    previews = page.get_by_test_id("previews")
    expect(previews.get_by_test_id("preview")).to_have_count(4)

    # when: she picks the tall image and types a text with a mention, a link and a hashtag
    page.locator(f'input[name=media][value="{tall_image.pk}"]').check()
    page.locator("#id_text").fill(TEXT)

    # then: every card names the account and styles the mention, the link and the hashtag
    mastodon, x, instagram, linkedin = (card(page, shop, n) for n in ("mastodon", "x", "instagram", "linkedin"))
    expect(mastodon.locator(".pv-name")).to_have_text("Acme Coffee")
    expect(mastodon.locator(".pv-handle")).to_have_text("@acme@social.example")
    expect(instagram.locator(".pv-name")).to_have_text("acme.coffee")
    expect(mastodon.locator("[data-kind=mention]")).to_have_text("@barista")  # Mastodon shows the local part
    expect(x.locator("[data-kind=mention]")).to_have_text("@barista@coffee.example")
    expect(mastodon.locator("[data-kind=link]")).to_have_text("example.com/autumn-blend-2026…")
    expect(x.locator("[data-kind=link]")).to_have_text("example.com/autumn-blend-2026…")
    expect(linkedin.locator("[data-kind=link]")).to_have_text("https://example.com/autumn-blend-2026-limited")
    expect(instagram.locator("[data-kind=link]")).to_have_count(0)  # not a link in a caption
    expect(instagram.get_by_test_id("preview-text")).to_contain_text("https://example.com/autumn")
    for network in ("mastodon", "x", "instagram", "linkedin"):
        expect(card(page, shop, network).locator("[data-kind=tag]")).to_have_text("#coffee")

    # and: Instagram cuts at about 125 characters, LinkedIn at about 210, with their "more";
    # Mastodon and X show it whole
    expect(instagram.get_by_test_id("preview-more")).to_have_text("… more")
    expect(linkedin.get_by_test_id("preview-more")).to_have_text("…see more")
    expect(mastodon.get_by_test_id("preview-more")).to_have_count(0)
    expect(x.get_by_test_id("preview-more")).to_have_count(0)
    expect(x.get_by_test_id("preview-text")).to_contain_text("this weekend!")
    shown_ig, _ = cut("instagram", TEXT)
    shown_li, _ = cut("linkedin", TEXT)
    assert instagram.get_by_test_id("preview-text").inner_text() == f"acme.coffee {shown_ig}… more"
    assert linkedin.get_by_test_id("preview-text").inner_text().startswith(shown_li[:60])
    assert "this weekend" not in linkedin.get_by_test_id("preview-text").inner_text()

    # and: the 2:5 portrait is cropped to each network's tallest shape
    assert box_ratio(instagram.locator(".pv-media")) == pytest.approx(0.8, abs=0.02)  # 4:5
    assert box_ratio(x.locator(".pv-media")) == pytest.approx(0.75, abs=0.02)  # 3:4
    assert box_ratio(linkedin.locator(".pv-media")) == pytest.approx(0.8, abs=0.02)
    expect(instagram.locator(".pv-media img")).to_have_attribute("alt", "A tall cup")
    path = screenshot("previews-desktop")
    previews.screenshot(path=path.replace("previews-desktop.png", "previews-desktop-cards.png"))

    # when: she opens Instagram's "more"
    instagram.get_by_test_id("preview-more").click()
    # then: the whole caption shows
    expect(instagram.get_by_test_id("preview-text")).to_contain_text("this weekend!")

    # when: she sets a content warning on Mastodon
    page.locator(f'[name="opt_{shop.accounts["mastodon"].pk}_spoiler_text"]').fill("Coffee talk")
    # then: the text and the image wait behind "Show more"
    expect(mastodon.locator(".pv-cw-text")).to_have_text("Coffee talk")
    expect(mastodon.get_by_test_id("preview-text")).to_have_count(0)
    expect(mastodon.locator(".pv-media")).to_have_count(0)
    mastodon.get_by_test_id("preview-cw-toggle").click()
    expect(mastodon.get_by_test_id("preview-text")).to_contain_text("Autumn blend")
    expect(mastodon.get_by_test_id("preview-cw-toggle")).to_have_text("Show less")

    # when: she adapts the X text in its tab and inserts a hashtag group at the cursor
    x_id = shop.accounts["x"].pk
    page.locator(f'.tab[data-tab="{x_id}"]').click()
    variant = page.locator(f"#id_variant_{x_id}")
    variant.click()
    page.keyboard.type("Autumn blend is in!")
    for _ in range(" is in!".__len__()):
        page.keyboard.press("ArrowLeft")
    page.get_by_test_id("insert-button").click()
    items = page.get_by_test_id("insert-item")
    expect(items.filter(has_text="Not ours")).to_be_hidden()  # another brand's group
    screenshot("previews-insert-menu")
    items.filter(has_text="Coffee tags").click()
    # then: the group goes in at the cursor, spaced, and only it: no main text glued in
    expect(variant).to_have_value("Autumn blend #coffee #beans is in!")
    expect(page.locator("#id_text")).to_have_value(TEXT)
    # and the X preview shows the adapted text with its hashtags; the others keep the main text
    expect(x.get_by_test_id("preview-text")).to_have_text("Autumn blend #coffee #beans is in!")
    expect(x.locator("[data-kind=tag]")).to_have_count(2)
    expect(linkedin.get_by_test_id("preview-text")).to_contain_text("Autumn blend is in with")

    # when: she writes the first comment and puts the sign-off and the group in it
    first_comment = page.locator("#id_first_comment")
    first_comment.fill("Thanks for reading!")
    page.get_by_test_id("insert-button").click()
    items.filter(has_text="Coffee tags").click()
    # then: it goes into the first comment, at its end, and shows under the Instagram post
    expect(first_comment).to_have_value("Thanks for reading! #coffee #beans")
    expect(variant).to_have_value("Autumn blend #coffee #beans is in!")
    expect(instagram.get_by_test_id("preview-comment")).to_have_text("acme.coffee Thanks for reading! #coffee #beans")
    expect(instagram.get_by_test_id("preview-comment").locator("[data-kind=tag]")).to_have_count(2)
    expect(x.get_by_test_id("preview-comment")).to_have_count(0)  # X takes no first comment

    # and at phone width the previews sit below the editor
    page.set_viewport_size({"width": 390, "height": 844})
    previews_box = previews.bounding_box()
    assert previews_box["y"] > (variant.bounding_box()["y"] + variant.bounding_box()["height"])
    assert previews_box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    full = screenshot("previews-phone")
    previews.screenshot(path=full.replace("previews-phone.png", "previews-phone-cards.png"))


def test_the_script_cuts_where_the_server_rule_cuts(page, live_server, login, shop):
    # given: the composer's script, and texts around each network's cut
    login("editor")
    page.goto(f"{live_server.url}/w/{shop.workspace.slug}/posts/new/")
    expect(page.get_by_test_id("previews")).to_be_visible()
    texts = [
        "",
        "short",
        "word " * 30,
        "x" * 300,
        "one\ntwo\nthree\nfour\nfive\nsix",
        "Emoji ☕☕ " * 40,
        ("a" * 100) + " " + ("b" * 200),
        "a" * 124 + " bcdef",
    ]
    for network, rule in PREVIEW_RULES.items():
        for text in texts:
            # when: the page's script cuts the text by the network's rule
            shown = page.evaluate("([rule, text]) => window.smmPreviewCut(rule, text)", [rule, text])
            # then: it shows what the Python rule shows
            assert (shown["shown"], shown["cut"]) == cut(network, text), (network, text)


def test_the_other_networks_cards_and_a_first_insert_at_the_end(
    page, live_server, login, screenshot, shop, tall_image, make_account
):
    # given: the brand also posts to Facebook, Bluesky and Threads, and two images are picked
    from posts.media import store_upload
    from tests.previews.conftest import picture_upload

    wide = store_upload(shop.workspace, picture_upload(1200, 500), alt_text="A wide shop", user=shop.editor)
    extra = {
        "facebook": make_account(shop.brand, "facebook", "Acme Coffee Page", display_name="Acme Coffee"),
        "bluesky": make_account(shop.brand, "bluesky", "@acme.bsky.social", display_name="Acme Coffee"),
        "threads": make_account(shop.brand, "threads", "@acme.coffee"),
    }
    login("editor")
    page.goto(f"{live_server.url}/w/{shop.workspace.slug}/posts/new/")
    for account in shop.accounts.values():
        page.locator(f'input[name=accounts][value="{account.pk}"]').uncheck()
    expect(page.get_by_test_id("preview")).to_have_count(3)
    page.locator(f'input[name=media][value="{tall_image.pk}"]').check()
    page.locator(f'input[name=media][value="{wide.pk}"]').check()

    # when: she inserts the sign-off without having clicked into the text, then types above it
    page.get_by_test_id("insert-button").click()
    page.get_by_test_id("insert-item").filter(has_text="Sign-off").click()
    main = page.locator("#id_text")
    expect(main).to_have_value("See you at the shop!")
    main.press("Control+Home")
    page.keyboard.type(("Big news from the roastery. " * 20) + "\n")

    # then: Facebook folds after about 480 characters with "See more"; Bluesky and Threads
    # show the images their way (a grid of two, a sideways strip)
    facebook = page.locator(f'[data-testid=preview][data-account="{extra["facebook"].pk}"]')
    bluesky = page.locator(f'[data-testid=preview][data-account="{extra["bluesky"].pk}"]')
    threads = page.locator(f'[data-testid=preview][data-account="{extra["threads"].pk}"]')
    expect(facebook.get_by_test_id("preview-more")).to_have_text("… See more")
    expect(bluesky.locator(".pv-grid-2 img")).to_have_count(2)
    expect(threads.locator(".pv-strip img")).to_have_count(2)
    expect(threads.get_by_test_id("preview-text")).to_contain_text("See you at the shop!")
    expect(page.locator(".insert-list")).to_be_hidden()
    path = screenshot("previews-other-networks")
    page.get_by_test_id("previews").screenshot(path=path.replace(".png", "-cards.png"))
