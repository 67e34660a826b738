from django import template
from django.utils.html import format_html

from smm import network_urls
from smm.platforms import registry

register = template.Library()


@register.filter
def can(membership, right: str) -> bool:
    """``{% if current_membership|can:"manage_brands" %}``: menus mirror the views' rights."""
    return membership is not None and membership.can(right)


@register.filter
def http_url(value) -> str:
    """``{% with link=item.url|http_url %}{% if link %}<a href="{{ link }}">``: a URL from a
    network is linked only when it is an absolute http(s) one (smm.network_urls)."""
    return network_urls.http_url(value)


@register.simple_tag
def network_badge(network_name: str, size: str = "", title: str | None = None):
    """``{% network_badge account.network "small" %}``: the network's coloured square with
    its short badge, drawn from the one table of networks (smm.platforms.registry)."""
    row = registry.network(network_name)
    classes = f"net net-{row.name}" + (f" net-{size}" if size else "")
    return format_html(
        '<span class="{}" style="background: {}" title="{}">{}</span>',
        classes,
        row.colour,
        row.label if title is None else title,
        row.badge,
    )
