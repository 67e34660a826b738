"""Reading rendered pages the way a browser would load them."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

LOCAL_HOSTS = {"", "testserver", "localhost", "127.0.0.1"}

# the attributes through which a page makes the browser fetch something
_LOADING_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
_LOADING_LINK_RELS = {"stylesheet", "preload", "modulepreload", "icon", "manifest", "prefetch"}


class _ResourceCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "link":
            rels = set((values.get("rel") or "").lower().split())
            if rels & _LOADING_LINK_RELS and values.get("href"):
                self.urls.append(values["href"])
            return
        for name in _LOADING_ATTRIBUTES.get(tag, ()):
            value = values.get(name)
            if not value:
                continue
            if name == "srcset":
                self.urls.extend(part.strip().split(" ")[0] for part in value.split(",") if part.strip())
            else:
                self.urls.append(value)


def loaded_resources(html: str) -> list[str]:
    """Every URL the page makes the browser fetch (scripts, styles, images, frames)."""
    collector = _ResourceCollector()
    collector.feed(html)
    return collector.urls


def external_resources(html: str) -> list[str]:
    """The resources the page would fetch from another host (a CDN, a tracker)."""
    return [url for url in loaded_resources(html) if (urlsplit(url).hostname or "") not in LOCAL_HOSTS]
