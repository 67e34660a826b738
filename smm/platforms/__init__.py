"""Network adapters behind one interface, looked up by network name.

``get_adapter("mastodon")`` returns a ready adapter; modules are imported lazily so a
network's code loads only when it is used. The table of networks is smm.platforms.registry.
"""

from __future__ import annotations

from smm.platforms.base import Adapter, AppCredentials
from smm.platforms.registry import NETWORKS

# Derived views of the one table (smm.platforms.registry), for code that wants a plain dict.
REGISTRY: dict[str, str] = {name: row.adapter for name, row in NETWORKS.items()}
NETWORK_LABELS: dict[str, str] = {name: row.label for name, row in NETWORKS.items()}


def adapter_class(network_name: str) -> type[Adapter]:
    row = NETWORKS.get(network_name)
    if row is None:
        raise LookupError(f"No adapter for network {network_name!r}")
    return row.adapter_class


def get_adapter(network_name: str, app: AppCredentials | None = None, *, http=None) -> Adapter:
    return adapter_class(network_name)(app, http=http)
