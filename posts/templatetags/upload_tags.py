"""Template tags of the media uploads: the largest video the server takes."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def max_video_bytes() -> int:
    return int(settings.MEDIA_MAX_VIDEO_BYTES)
