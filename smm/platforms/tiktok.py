"""TikTok through the Content Posting API and the Display API (open.tiktokapis.com).

Facts: /work/shared/PLATFORMS-VIDEO.md "TikTok". The caption is the post's text (TikTok
calls it the title of a video: up to 2,200 UTF-16 units); a post is one video or a
carousel of photos (photos go by public URL only, JPEG or WebP).
"""

from __future__ import annotations

from smm.platforms.base import Adapter, PostContent, Problem
from smm.platforms.video import VideoRules

# TikTok's media transfer guide and the limits quoted by its docs; (check) where noted.
VIDEO_RULES = VideoRules(
    max_bytes=4 * 1024 * 1024 * 1024,
    min_seconds=3,  # (check)
    max_seconds=10 * 60,  # the API's ceiling; each creator's own maximum comes from creator_info
    min_fps=23,
    max_fps=60,
    max_width=4096,
    max_height=4096,
    mime_types=("video/mp4", "video/webm", "video/quicktime"),
    video_codecs=("h264", "hevc", "vp8", "vp9"),
    max_videos=1,
    mix_with_images=False,
)
MAX_PHOTOS = 35


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TikTokAdapter(Adapter):
    name = "tiktok"
    label = "TikTok"
    supports_refresh = True
    supports_links = False  # links in captions are not clickable
    supports_inbox = False  # no comment or message endpoints for our kind of app
    supports_reply = False
    media_required = True
    max_text_length = 2200
    max_images = MAX_PHOTOS
    max_image_bytes = 20 * 1024 * 1024
    image_types = ("image/jpeg", "image/webp")
    converts_to_jpeg = ("image/png",)
    video_rules = VIDEO_RULES

    def text_length(self, text: str) -> int:
        return utf16_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text, note="counted as TikTok counts, emoji as two")
        if too_long:
            problems.append(too_long)
        if not content.media:
            problems.append(Problem("media", "TikTok needs a video or photos: attach one.", "media_required"))
        problems += self.image_rule_problems(
            content, name="TikTok", types_allowed="must be a JPEG or WebP for TikTok", size_limit="20 MB"
        )
        problems += self.video_problems(content)
        return problems
