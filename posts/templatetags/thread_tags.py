"""Template helpers of threads and first comments (posts/threads.py)."""

from __future__ import annotations

import json

from django import template

from posts import threads

register = template.Library()


@register.filter
def thread_rows(target):
    """Each part of the target's thread with its state and link ([] for a single post)."""
    return threads.part_rows(target)


@register.filter
def first_comment_line(target) -> str:
    return threads.first_comment_line(target)


@register.simple_tag
def thread_counts(checks) -> str:
    """The live check's count of each part per account, as JSON for static/js/thread.js."""
    return json.dumps(
        {
            str(check.account.pk): {
                "label": check.account.network_label,
                "limit": check.limit,
                "parts": check.part_lengths,
            }
            for check in checks
            if check.part_lengths
        }
    )
