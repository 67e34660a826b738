from django import template

from smm import network_urls

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
