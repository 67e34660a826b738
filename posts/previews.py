"""How each network shows a post in its feed, for the composer's previews: where it cuts
the text with its "more" link, how it styles links, and how it crops images.

One table, read by the composer's script (``preview.js``, through ``json_script``) and
by ``cut`` below, which tests check against the script's own cut. Figures come from
/work/shared/PLATFORMS.md and the brief of issue 18; where neither states one, the value is
an approximation marked "(approx.)": feeds also cut by rendered lines, which depend on the
reader's screen, so a preview cuts at a character count and at hard line breaks only.
Characters are counted as code points (what JavaScript's ``Array.from`` counts).
"""

from __future__ import annotations

import re

PREVIEW_RULES: dict[str, dict] = {
    # Mastodon shows a status whole; a content warning hides it behind a button.
    "mastodon": {
        "cut_chars": None,
        "cut_lines": None,
        "more": "",
        "aspect": [0.75, 16 / 9],  # single image: its own shape within 3:4..16:9 (approx.)
        "gallery": "grid",
        "links": "short",  # shown without the scheme, long ones cut at 30 with "…"
        "link_colour": "#563acc",
        "tag_colour": "#563acc",
        "mention_local": True,  # @user@domain shows as @user
        "actions": ["Reply", "Boost", "Favourite", "Bookmark"],
        "layout": "side",
    },
    # Bluesky's limit is 300 graphemes: nothing beyond it to cut.
    "bluesky": {
        "cut_chars": None,
        "cut_lines": None,
        "more": "",
        "aspect": [0.75, 2.0],  # (approx.)
        "gallery": "grid",
        "links": "short",
        "link_colour": "#1083fe",
        "tag_colour": "#1083fe",
        "mention_local": False,
        "actions": ["Reply", "Repost", "Like"],
        "layout": "side",
    },
    # X shows a whole 280-character post; links are t.co-wrapped and shown shortened.
    "x": {
        "cut_chars": None,
        "cut_lines": None,
        "more": "",
        "aspect": [0.75, 2.0],  # single image in the timeline within 3:4..2:1 (approx.)
        "gallery": "grid",
        "links": "short",
        "link_colour": "#1d9bf0",
        "tag_colour": "#1d9bf0",
        "mention_local": False,
        "actions": ["Reply", "Repost", "Like", "Views"],
        "layout": "side",
    },
    # LinkedIn: about 210 characters or 3 lines before "…see more".
    "linkedin": {
        "cut_chars": 210,
        "cut_lines": 3,
        "more": "…see more",
        "aspect": [0.8, 1.91],  # 4:5..1.91:1 (approx.)
        "gallery": "grid",
        "links": "full",
        "link_colour": "#0a66c2",
        "tag_colour": "#0a66c2",
        "mention_local": False,
        "actions": ["Like", "Comment", "Repost", "Send"],
        "layout": "top",
    },
    # Facebook: about 480 characters (5 lines, approx.) before "See more".
    "facebook": {
        "cut_chars": 480,
        "cut_lines": 5,
        "more": "… See more",
        "aspect": [0.8, 1.91],  # (approx.)
        "gallery": "grid",
        "links": "full",
        "link_colour": "#385898",
        "tag_colour": "#385898",
        "mention_local": False,
        "actions": ["Like", "Comment", "Share"],
        "layout": "top",
    },
    # Instagram: image first, cropped to 4:5..1.91:1; about 125 characters (2 lines,
    # approx.) of caption before "more". Links in captions are plain text.
    "instagram": {
        "cut_chars": 125,
        "cut_lines": 2,
        "more": "… more",
        "aspect": [0.8, 1.91],
        "gallery": "carousel",
        "links": "plain",
        "link_colour": "#262626",
        "tag_colour": "#00376b",
        "mention_local": False,
        "actions": ["Like", "Comment", "Share", "Save"],
        "layout": "caption",
    },
    # Threads: 500 characters, shown whole; several images scroll sideways.
    "threads": {
        "cut_chars": None,
        "cut_lines": None,
        "more": "",
        "aspect": [0.75, 1.91],  # (approx.)
        "gallery": "carousel",
        "links": "short",
        "link_colour": "#0095f6",
        "tag_colour": "#0095f6",
        "mention_local": False,
        "actions": ["Like", "Reply", "Repost", "Share"],
        "layout": "side",
    },
    # TikTok: the video fills a vertical screen; about 2 lines of caption over it (approx.).
    "tiktok": {
        "cut_chars": 80,
        "cut_lines": 2,
        "more": "… more",
        "aspect": [0.5625, 1.0],  # vertical fills the screen; wider shows letterboxed
        "gallery": "carousel",
        "links": "plain",
        "link_colour": "#ffffff",
        "tag_colour": "#ffffff",
        "mention_local": False,
        "actions": ["Like", "Comment", "Save", "Share"],
        "layout": "caption",
    },
    # YouTube: the description sits under the video, about 3 lines before "...more" (approx.).
    "youtube": {
        "cut_chars": 160,
        "cut_lines": 3,
        "more": "...more",
        "aspect": [0.5625, 16 / 9],
        "gallery": "carousel",
        "links": "full",
        "link_colour": "#065fd4",
        "tag_colour": "#065fd4",
        "mention_local": False,
        "actions": ["Like", "Dislike", "Share", "Save"],
        "layout": "caption",
    },
    # Pinterest: the Pin's picture at its own shape (2:3 best), the description under it (approx.).
    "pinterest": {
        "cut_chars": 100,
        "cut_lines": 2,
        "more": "…",
        "aspect": [0.5, 1.91],
        "gallery": "carousel",
        "links": "plain",
        "link_colour": "#111111",
        "tag_colour": "#111111",
        "mention_local": False,
        "actions": ["Save", "Share"],
        "layout": "caption",
    },
}

DEFAULT_RULES = PREVIEW_RULES["mastodon"]

# How far back from the limit a cut looks for a space, so it does not split a word.
WORD_BACKOFF = 20


def rules_for(network: str) -> dict:
    return PREVIEW_RULES.get(network, DEFAULT_RULES)


def cut(network: str, text: str) -> tuple[str, bool]:
    """(what the feed shows before its "more" link, whether it cut). The same rule as
    ``cutText`` in static/js/preview.js: the first ``cut_lines`` lines, then at most
    ``cut_chars`` characters, ending at a space within WORD_BACKOFF characters when
    there is one, trailing spaces dropped."""
    rules = rules_for(network)
    chars, lines = rules["cut_chars"], rules["cut_lines"]
    text = text.strip()
    if chars is None:
        return text, False
    shown = text
    cut_here = False
    split = shown.split("\n")
    if lines is not None and len(split) > lines:
        shown = "\n".join(split[:lines])
        cut_here = True
    points = list(shown)
    if len(points) > chars:
        head = points[:chars]
        space = max((i for i, c in enumerate(head) if c in " \n"), default=-1)
        if space >= chars - WORD_BACKOFF:
            head = head[:space]
        shown = "".join(head)
        cut_here = True
    return re.sub(r"\s+$", "", shown), cut_here
