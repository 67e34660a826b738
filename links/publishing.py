"""What happens to a post's links when a target is published (posts calls ``rewrite`` through
the ``publish_links`` hook on LinksConfig): UTM parameters for the target's network, then a
short link of our own per URL and target. ``preview`` does the same without writing, for the
composer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction

from links import resolve, utm
from links.models import CODE_LENGTH, TrackedLink, short_url
from smm.platforms.text import url_spans

logger = logging.getLogger(__name__)

MAX_URL = 2000  # longer URLs are left as written (the column's size)
PREVIEW_CODE = "x" * CODE_LENGTH


@dataclass
class RewrittenLink:
    original: str
    destination: str  # with UTM parameters
    published: str  # what the post carries: the short link, or the destination


def rewrite(target, text: str, link: str | None) -> tuple[str, str | None]:
    """The target's text and link as they will be published."""
    post = target.post
    policy = utm.policy_for(post.workspace, post.brand, post.campaign)
    context = utm.placeholders(
        network=target.account.network,
        brand=post.brand,
        campaign=post.campaign,
        post=post,
        target=target,
        account=target.account,
    )

    def shorten(original: str, destination: str) -> str:
        return _tracked_link(target, original, destination).short_url

    new_text, new_link, _ = _apply(policy, context, text, link, shorten)
    if _too_long_now(target.account, text, new_text):
        logger.warning(
            "Target %s: its text would pass %s's limit with the links rewritten; published as written",
            target.pk,
            target.account.network,
        )
        return text, link
    return new_text, new_link


def _too_long_now(account, before: str, after: str) -> bool:
    """A post that fits as written must not fail at the network because of our links (UTM
    parameters make a URL longer, and most networks count its characters)."""
    if before == after:
        return False
    from smm.platforms import get_adapter

    adapter = get_adapter(account.network).apply_limits(getattr(account, "limits", None))
    limit = adapter.max_text_length
    if not limit:
        return False
    try:
        return adapter.text_length(after) > limit >= adapter.text_length(before)
    except NotImplementedError:
        return len(after) > limit >= len(before)


def preview(account, *, brand, campaign, text: str, link: str | None, post=None) -> tuple[str, str | None, list]:
    """What ``rewrite`` would publish for ``account``, without writing anything: short
    links show a placeholder code of the real length (so the network's count is exact)."""
    policy = utm.policy_for(brand.workspace, brand, campaign)
    context = utm.placeholders(
        network=account.network, brand=brand, campaign=campaign, post=post, target=None, account=account
    )
    if not context["post"]:
        context["post"] = "{post}"
    if not context["target"]:
        context["target"] = "{target}"
    text, link, rewritten = _apply(policy, context, text, link, lambda original, destination: short_url(PREVIEW_CODE))
    for item in rewritten:  # a placeholder not known yet reads as typed, not percent-encoded
        item.destination = item.destination.replace("%7Bpost%7D", "{post}").replace("%7Btarget%7D", "{target}")
        item.published = item.published.replace("%7Bpost%7D", "{post}").replace("%7Btarget%7D", "{target}")
    return text, link, rewritten


def _apply(policy: utm.LinkPolicy, context: dict, text: str, link: str | None, shorten):
    if not (policy.add_utm or policy.short_links):
        return text, link, []
    pairs = policy.parameters(context) if policy.add_utm else []
    done: dict[str, RewrittenLink] = {}

    def convert(url: str) -> str:
        if url not in done:
            destination = utm.add_parameters(url, pairs, override=policy.override_existing)
            published = destination
            if policy.short_links and len(destination) <= MAX_URL and not _is_short_link(url):
                published = shorten(url, destination)
            done[url] = RewrittenLink(original=url, destination=destination, published=published)
        return done[url].published

    pieces, last = [], 0
    for span in url_spans(text or ""):
        if not span.text.lower().startswith(("http://", "https://")):
            continue  # a bare domain is left as written
        pieces += [text[last : span.start], convert(span.text)]
        last = span.end
    new_text = "".join(pieces) + (text or "")[last:] if pieces else text
    new_link = convert(link) if link else link
    return new_text, new_link, list(done.values())


def _is_short_link(url: str) -> bool:
    base = short_url(PREVIEW_CODE)[: -len(PREVIEW_CODE)]
    return url.startswith(base)


def _tracked_link(target, original: str, destination: str) -> TrackedLink:
    """The target's link for ``original``: the same one on every attempt (a retried publish
    must not mint new codes), a new code otherwise. A re-pointed destination is kept."""
    existing = TrackedLink.objects.filter(target=target, original_url=original).first()
    if existing:
        return existing
    post = target.post
    for _ in range(5):
        try:
            with transaction.atomic():
                link = TrackedLink.objects.create(
                    workspace_id=post.workspace_id,
                    brand_id=post.brand_id,
                    target=target,
                    original_url=original,
                    destination=destination,
                )
            transaction.on_commit(partial(resolve.remember, link))
            return link
        except IntegrityError:
            existing = TrackedLink.objects.filter(target=target, original_url=original).first()
            if existing:
                return existing
            # else: the code was taken; draw another
    raise RuntimeError("Could not draw a free short-link code")
