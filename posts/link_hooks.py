"""Apps above posts that rewrite a post's links as it is published (UTM parameters, short
links): each names ``publish_links = "dotted.path"`` on its AppConfig, a callable
``(target, text, link) -> (text, link)``. posts imports none of them (the same pattern as
the operations hooks the core reads)."""

from __future__ import annotations

import functools
import logging

from django.apps import apps
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@functools.cache
def _hook_paths() -> tuple[str, ...]:
    """Every app's hook, read once per process (the app registry does not change)."""
    return tuple(config.publish_links for config in apps.get_app_configs() if getattr(config, "publish_links", None))


def rewrite_links(target, text: str, link: str | None) -> tuple[str, str | None]:
    """The text and link as the target publishes them. A hook that fails is logged and
    skipped: the post goes out on time with its links as written rather than not at all.
    A post without a link and without a web address in its text has no link to rewrite:
    the hooks are not asked (a web address is rewritten only when it starts with http://
    or https://; a bare domain is left as written)."""
    if not link and "http" not in (text or "").lower():
        return text, link
    for path in _hook_paths():
        try:
            text, link = import_string(path)(target, text, link)
        except Exception:
            logger.exception("Link hook %s failed for target %s; its links are published as written", path, target.pk)
    return text, link
