"""The page reader the asset checks rely on: it must see a CDN, and only a CDN."""

from tests.html import external_resources


def test_a_script_or_stylesheet_from_another_host_is_reported():
    page = (
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/pico.css">'
        '<script src="//unpkg.com/htmx.org"></script>'
        '<img srcset="/static/a.png 1x, https://images.example.com/b.png 2x">'
    )

    assert external_resources(page) == [
        "https://cdn.jsdelivr.net/npm/pico.css",
        "//unpkg.com/htmx.org",
        "https://images.example.com/b.png",
    ]


def test_local_assets_links_and_tokens_are_not_resources_from_elsewhere():
    page = (
        '<script src="/static/vendor/htmx.min.js"></script>'
        '<link rel="stylesheet" href="http://testserver/static/app.css">'
        '<a href="https://mastodon.social/@roast">profile</a>'
        '<script type="application/json">{"csrfToken": "x9cdn3"}</script>'
    )

    assert external_resources(page) == []
