"""Per-post options several networks share the shape of: polls and language codes.

A post's options travel as a plain dict (``PostContent.options``); each adapter's
``clean_options`` keeps what its network takes and ``option_problems`` words what is
wrong. A poll is always ``{"options": [...], "duration_minutes": n}`` here (plus
``"multiple": true`` for Mastodon's several-answers polls); each adapter turns it into its
network's own fields when it publishes.
"""

from __future__ import annotations

import re
from typing import Any

from smm.platforms.base import Problem

# Poll lengths offered by the composer, in minutes (every network here takes them all).
POLL_DURATIONS = (
    (5, "5 minutes"),
    (30, "30 minutes"),
    (60, "1 hour"),
    (360, "6 hours"),
    (1440, "1 day"),
    (4320, "3 days"),
    (10080, "7 days"),
)
DEFAULT_POLL_MINUTES = 1440

# ISO 639 language codes, with a BCP-47 region or script where the network takes one.
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def text_value(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def clean_poll(value: Any, *, multiple: bool = False) -> dict[str, Any] | None:
    """A poll as typed (options may be blank lines): None when no option is filled in."""
    if not isinstance(value, dict):
        return None
    raw = value.get("options")
    options = [text_value(o) for o in raw] if isinstance(raw, list) else []
    options = [o for o in options if o]
    if not options:
        return None
    duration = value.get("duration_minutes")
    try:
        duration = int(duration) if duration not in (None, "") else DEFAULT_POLL_MINUTES
    except (TypeError, ValueError):
        duration = -1  # option_problems says so
    poll: dict[str, Any] = {"options": options, "duration_minutes": duration}
    if multiple and flag(value.get("multiple")):
        poll["multiple"] = True
    return poll


def poll_problems(
    poll: dict[str, Any] | None,
    *,
    label: str,
    max_options: int,
    max_option_length: int,
    min_minutes: int,
    max_minutes: int,
    has_media: bool,
) -> list[Problem]:
    if not poll:
        return []
    problems = []
    options = poll.get("options") or []
    if has_media:
        problems.append(
            Problem(
                "options", f"{label} does not take a poll and images in one post: remove one of them.", "poll_media"
            )
        )
    if len(options) < 2:
        problems.append(Problem("options", "A poll needs at least two answers.", "poll_too_few"))
    if len(options) > max_options:
        problems.append(
            Problem(
                "options",
                f"{label} polls take at most {max_options} answers; this one has {len(options)}.",
                "poll_many",
            )
        )
    for number, option in enumerate(options, start=1):
        if len(option) > max_option_length:
            problems.append(
                Problem(
                    "options",
                    f"Poll answer {number} is {len(option)} characters; {label} takes up to {max_option_length}.",
                    "poll_option_long",
                )
            )
    if len({o.casefold() for o in options}) != len(options):
        problems.append(Problem("options", "Two poll answers are the same: make each one different.", "poll_same"))
    minutes = poll.get("duration_minutes")
    if not isinstance(minutes, int) or minutes < min_minutes or minutes > max_minutes:
        problems.append(
            Problem(
                "options",
                f"{label} polls run from {_duration(min_minutes)} to {_duration(max_minutes)}.",
                "poll_duration",
            )
        )
    return problems


def language_problem(code: str, *, label: str) -> Problem | None:
    if code and not _LANGUAGE.fullmatch(code):
        return Problem(
            "options",
            f"“{code}” is not a language code {label} knows: use two letters, such as en, de or fr.",
            "language",
        )
    return None


def language_tags(value: Any, *, most: int) -> list[str]:
    """Language tags from a list or a comma-separated string, lower-cased language part."""
    if isinstance(value, str):
        value = re.split(r"[\s,;]+", value)
    if not isinstance(value, list):
        return []
    tags = []
    for item in value:
        tag = text_value(item)
        if not tag:
            continue
        head, _, rest = tag.partition("-")
        tag = f"{head.lower()}-{rest}" if rest else head.lower()
        if tag not in tags:
            tags.append(tag)
    return tags[: max(most, 0) + 1]  # one too many survives, so the problem can be told


def language_tag_problems(tags: list[str], *, label: str, most: int) -> list[Problem]:
    problems = []
    if len(tags) > most:
        problems.append(Problem("options", f"{label} takes at most {most} languages per post.", "languages_many"))
    for tag in tags:
        if not _LANGUAGE_TAG.fullmatch(tag):
            problems.append(
                Problem(
                    "options",
                    f"“{tag}” is not a language code {label} knows: use codes such as en, de or pt-BR.",
                    "language",
                )
            )
    return problems


def choice_problem(value: str, allowed: dict[str, str], *, what: str, label: str) -> Problem | None:
    if value and value not in allowed:
        return Problem(
            "options",
            f"{label} does not know “{value}” as {what}: choose {', '.join(allowed.values())}.",
            "choice",
        )
    return None


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"
