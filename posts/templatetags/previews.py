"""Tags of the composer's previews and Insert menu (templates/posts/_previews.html and
_snippets.html): the data their scripts read, without touching the composer's view."""

from django import template
from django.utils.html import json_script

from posts import snippets
from posts.previews import PREVIEW_RULES
from smm.platforms import registry

register = template.Library()


@register.simple_tag
def preview_data():
    """Each network's look (label, badge, colour) and feed rules, as a JSON script element."""
    return json_script({"networks": registry.for_scripts(), "rules": PREVIEW_RULES}, "preview-data")


@register.simple_tag
def composer_snippets(brands):
    return snippets.for_composer(brands)
