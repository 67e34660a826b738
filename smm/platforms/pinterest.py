"""Pinterest through the API v5 (api.pinterest.com/v5).

Facts: /work/shared/PLATFORMS-VIDEO.md "Pinterest". A post is a Pin on a board: one image
(or 2-5 images), or one video; the post's text is the Pin's description (up to 800
characters in the API's spec), its title and board are network options.
"""

from __future__ import annotations

from smm.platforms.base import Adapter, PostContent, Problem
from smm.platforms.video import VideoRules

VIDEO_RULES = VideoRules(  # all (check)
    max_bytes=2 * 1024**3,
    min_seconds=4,
    max_seconds=15 * 60,
    min_aspect=1 / 2,
    max_aspect=1.91,
    mime_types=("video/mp4", "video/quicktime", "video/x-m4v"),
    max_videos=1,
    mix_with_images=False,
)


class PinterestAdapter(Adapter):
    name = "pinterest"
    label = "Pinterest"
    supports_refresh = True
    supports_inbox = False  # the v5 API has no comment endpoints
    supports_reply = False
    media_required = True
    max_text_length = 800
    max_images = 5
    max_image_bytes = 20 * 1024 * 1024  # (check)
    image_types = ("image/jpeg", "image/png", "image/webp")
    video_rules = VIDEO_RULES

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text)
        if too_long:
            problems.append(too_long)
        if not content.media:
            problems.append(Problem("media", "A Pin needs an image or a video: attach one.", "media_required"))
        problems += self.image_rule_problems(
            content, name="Pinterest", types_allowed="must be a JPEG, PNG or WebP for Pinterest", size_limit="20 MB"
        )
        problems += self.video_problems(content)
        return problems
