"""The page reader the asset checks rely on: it must see a CDN, and only a CDN."""

from tests.html import external_resources


def test_a_script_or_stylesheet_from_another_host_is_reported():
    page = (
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/pico.css">'
        '<script src="//unpkg.com/htmx.org"></script>'
        '<img srcset="/static/a.png 1x, https://images.example.com/b.png 2x">'
        '<link rel="preconnect" href="https://fonts.gstatic.com">'
        "<style>@import 'https://fonts.googleapis.com/css2'; .x { background: url(/static/ok.png) }</style>"
        '<div style="background-image: url(&quot;https://tracker.example/p.gif&quot;)"></div>'
        '<svg><use href="https://icons.example/sprite.svg#star"></use></svg>'
        '<script src="http://localhost:8000/static/dev.js"></script>'
    )

    assert external_resources(page) == [
        "https://cdn.jsdelivr.net/npm/pico.css",
        "//unpkg.com/htmx.org",
        "https://images.example.com/b.png",
        "https://fonts.gstatic.com",
        "https://fonts.googleapis.com/css2",
        "https://tracker.example/p.gif",
        "https://icons.example/sprite.svg#star",
        "http://localhost:8000/static/dev.js",
    ]


def test_local_assets_links_and_tokens_are_not_resources_from_elsewhere():
    page = (
        '<script src="/static/vendor/htmx.min.js"></script>'
        '<link rel="stylesheet" href="http://testserver/static/app.css">'
        '<a href="https://mastodon.social/@roast">profile</a>'
        '<script type="application/json">{"csrfToken": "x9cdn3"}</script>'
    )

    assert external_resources(page) == []
