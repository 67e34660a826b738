"""Reading rendered pages the way a browser would load them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Django's test client serves "testserver"; a hard-coded localhost URL is a bug too.
LOCAL_HOSTS = {"", "testserver"}

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
    "input": ("src",),
}
_LOADING_LINK_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "icon",
    "apple-touch-icon",
    "manifest",
    "prefetch",
    "preconnect",
    "dns-prefetch",
}
# url(...) and @import "..." in CSS (a <style> block or a style="" attribute)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


class _ResourceCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def _css(self, text: str) -> None:
        self.urls.extend(url or imported for url, imported in _CSS_URL.findall(text))

    def handle_data(self, data):
        if self._in_style:
            self._css(data)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self._in_style = self._in_style or tag == "style"
        if values.get("style"):
            self._css(values["style"])
        if tag in ("image", "use") and (values.get("href") or values.get("xlink:href")):
            self.urls.append(values.get("href") or values["xlink:href"])
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
