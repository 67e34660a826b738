"""The one table of networks: name, label, badge, colour and adapter of each, read by every page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smm.platforms.base import Adapter

# A network's fallback look where a row names a network this table does not know
# (an account of a network since removed): its name, and a neutral grey.
UNKNOWN_COLOUR = "#6b7280"


@dataclass(frozen=True)
class Network:
    """One network as the app shows it. ``badge`` is the short mark on its coloured
    square (the composer, calendar cards, inbox, dashboards all draw the same one);
    ``adapter`` is "module:ClassName" inside smm.platforms, imported only when used."""

    name: str
    label: str
    badge: str
    colour: str
    adapter: str

    @cached_property
    def adapter_class(self) -> type[Adapter]:
        module_name, class_name = self.adapter.split(":")
        return getattr(import_module(f"smm.platforms.{module_name}"), class_name)

    @property
    def capabilities(self) -> dict[str, bool]:
        """The adapter's ``supports_*`` flags; they are declared on the adapter class,
        beside the code that honours them, and read from there."""
        cls = self.adapter_class
        return {flag: getattr(cls, flag) for flag in dir(cls) if flag.startswith("supports_")}

    def as_json(self) -> dict:
        """What a page's script needs to draw the network (through ``json_script``)."""
        return {"label": self.label, "badge": self.badge, "colour": self.colour}


NETWORKS: dict[str, Network] = {
    network.name: network
    for network in (
        Network("mastodon", "Mastodon", "Ma", "#6364ff", "mastodon:MastodonAdapter"),
        Network("bluesky", "Bluesky", "Bs", "#1185fe", "bluesky:BlueskyAdapter"),
        Network("x", "X", "X", "#111111", "x:XAdapter"),
        Network("linkedin", "LinkedIn", "Li", "#0a66c2", "linkedin:LinkedInAdapter"),
        Network("facebook", "Facebook Page", "Fb", "#1877f2", "facebook:FacebookAdapter"),
        Network("instagram", "Instagram", "Ig", "#d62976", "instagram:InstagramAdapter"),
        Network("threads", "Threads", "Th", "#333333", "threads:ThreadsAdapter"),
        Network("tiktok", "TikTok", "Tt", "#010101", "tiktok:TikTokAdapter"),
        Network("youtube", "YouTube", "Yt", "#ff0000", "youtube:YouTubeAdapter"),
        Network("pinterest", "Pinterest", "Pi", "#e60023", "pinterest:PinterestAdapter"),
    )
}


def network(name: str) -> Network:
    """The row of ``name``; a network the table does not know gets a plain stand-in
    (its name as label, its first two letters as badge) so an old row still renders."""
    known = NETWORKS.get(name)
    if known is not None:
        return known
    return Network(name, name, name[:2].capitalize(), UNKNOWN_COLOUR, "")


def label(name: str) -> str:
    return network(name).label


def choices() -> list[tuple[str, str]]:
    """(name, label) pairs in the table's order, for model and form choices."""
    return [(n.name, n.label) for n in NETWORKS.values()]


def choices_by_label() -> list[tuple[str, str]]:
    """(name, label) pairs sorted by label, for the filter menus."""
    return sorted(choices(), key=lambda item: item[1])


def for_scripts() -> dict[str, dict]:
    """Every network's label, badge and colour keyed by name, for a page's script."""
    return {n.name: n.as_json() for n in NETWORKS.values()}
