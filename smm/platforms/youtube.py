"""YouTube through the Data API v3 (www.googleapis.com/youtube/v3).

Facts: /work/shared/PLATFORMS-VIDEO.md "YouTube". A post is one video; the post's text is
its description (up to 5,000 bytes) and its title is a network option (up to 100
characters). Vertical or square videos up to 3 minutes are Shorts.
"""

from __future__ import annotations

from smm.platforms.base import Adapter, PostContent, Problem
from smm.platforms.video import VideoRules

VIDEO_RULES = VideoRules(
    max_bytes=256 * 1024**3,
    max_seconds=12 * 3600,  # (check): 15 minutes for channels that are not verified
    mime_types=(
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/x-msvideo",
        "video/mp2t",
        "video/ogg",
        "video/mpeg",
    ),
    max_videos=1,
    mix_with_images=False,
)
MAX_DESCRIPTION_BYTES = 5000


class YouTubeAdapter(Adapter):
    name = "youtube"
    label = "YouTube"
    supports_refresh = True
    supports_images = False
    supports_inbox = False
    supports_reply = False
    media_required = True
    max_text_length = MAX_DESCRIPTION_BYTES
    max_images = 0
    video_rules = VIDEO_RULES

    def text_length(self, text: str) -> int:
        return len(text.encode("utf-8"))

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        over = self.text_length(content.text) - MAX_DESCRIPTION_BYTES
        if over > 0:
            problems.append(
                Problem(
                    "text",
                    f"This is {over:,} bytes over YouTube's 5,000-byte limit for a description "
                    "(accented letters and emoji take 2 to 4 bytes).",
                    "too_long",
                )
            )
        if self.images_of(content):
            problems.append(Problem("media", "YouTube takes a video only: remove the images.", "media_type"))
        if not self.videos_of(content):
            problems.append(Problem("media", "YouTube needs a video: attach one.", "media_required"))
        problems += self.video_problems(content)
        return problems
