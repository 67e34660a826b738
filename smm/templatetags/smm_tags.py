from django import template

register = template.Library()


@register.filter
def can(membership, right: str) -> bool:
    """``{% if current_membership|can:"manage_brands" %}``: menus mirror the views' rights."""
    return membership is not None and membership.can(right)
