"""Network adapters behind one interface, looked up by network name.

``get_adapter("mastodon")`` returns a ready adapter; modules are imported lazily so a
network's code loads only when it is used.
"""

from __future__ import annotations

from importlib import import_module

from smm.platforms.base import Adapter, AppCredentials

# network name -> "module:ClassName" (relative to this package)
REGISTRY: dict[str, str] = {
    "mastodon": "mastodon:MastodonAdapter",
    "bluesky": "bluesky:BlueskyAdapter",
    "x": "x:XAdapter",
    "linkedin": "linkedin:LinkedInAdapter",
    "facebook": "facebook:FacebookAdapter",
    "instagram": "instagram:InstagramAdapter",
    "threads": "threads:ThreadsAdapter",
}

NETWORK_LABELS = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "linkedin": "LinkedIn",
    "facebook": "Facebook Page",
    "instagram": "Instagram",
    "threads": "Threads",
}


def adapter_class(network: str) -> type[Adapter]:
    try:
        dotted = REGISTRY[network]
    except KeyError:
        raise LookupError(f"No adapter for network {network!r}") from None
    module_name, class_name = dotted.split(":")
    module = import_module(f"smm.platforms.{module_name}")
    return getattr(module, class_name)


def get_adapter(network: str, app: AppCredentials | None = None, *, http=None) -> Adapter:
    return adapter_class(network)(app, http=http)
