"""The OpenAPI documentation of every operation: summaries, descriptions, parameters,
responses and examples, applied to the views as decorators (``@openapi.posts_schedule``) so
the views read as what they do. api/schema.py adds the errors any call can get."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from api import serializers as s

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors: {field: [messages]}"),
    403: OpenApiResponse(s.ErrorSerializer, description="Your role cannot do this"),
    404: OpenApiResponse(s.ErrorSerializer, description="Not in this workspace"),
}
READ_ERRORS = {404: ERRORS[404]}

EX_BRAND = {
    "id": 3,
    "name": "Acme Coffee",
    "time_zone": "Europe/Paris",
    "colour": "#4f46e5",
    "paused": False,
    "created_at": "2026-01-05T09:00:00Z",
}
EX_ACCOUNT = {
    "id": 7,
    "brand": 3,
    "network": "mastodon",
    "handle": "@acme@social.example",
    "display_name": "Acme",
    "avatar_url": "",
    "base_url": "https://social.example",
    "status": "connected",
    "status_reason": "",
    "token_expires_at": None,
    "connected_at": "2026-01-05T09:10:00Z",
}
EX_TARGET = {
    "id": 41,
    "account": 7,
    "network": "mastodon",
    "handle": "@acme@social.example",
    "text": "Our spring blend is here ☕",
    "state": "scheduled",
    "due_at": "2026-03-02T08:00:00Z",
    "published_at": None,
    "remote_id": "",
    "remote_url": "",
    "attempts": 0,
    "error_kind": "",
    "error_message": "",
    "error_user_message": "",
    "options": {"visibility": "unlisted", "language": "en"},
}
EX_POST = {
    "id": 12,
    "brand": 3,
    "campaign": None,
    "author": 1,
    "text": "Our spring blend is here ☕",
    "link": "https://acme.example/spring",
    "media": [5],
    "scheduled_at": "2026-03-02T08:00:00Z",
    "status": "scheduled",
    "approved_by": None,
    "approved_at": None,
    "created_at": "2026-02-27T10:00:00Z",
    "updated_at": "2026-02-27T10:01:00Z",
    "targets": [EX_TARGET],
    "warnings": [],
    "held": False,
}
EX_MEDIA = {
    "id": 5,
    "url": "https://smm.example/media/media/1/ab12/spring.jpg",
    "thumbnail_url": "https://smm.example/media/media/1/thumbs/cd34.jpg",
    "original_name": "spring.jpg",
    "mime_type": "image/jpeg",
    "size": 183422,
    "width": 1600,
    "height": 1200,
    "alt_text": "A cup of coffee on a sunny table",
    "kind": "image",
    "duration": None,
    "frame_rate": None,
    "container": "",
    "video_codec": "",
    "audio_codec": "",
    "bitrate": None,
    "faststart": None,
    "processing": "ready",
    "processing_progress": 0,
    "processing_error": "",
    "source": None,
    "created_at": "2026-02-27T09:58:00Z",
}
EX_CAMPAIGN = {
    "id": 2,
    "name": "Spring launch",
    "colour": "#0ea5e9",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-31",
    "created_at": "2026-02-20T12:00:00Z",
}
EX_SLOT = {"id": 9, "brand": 3, "weekday": 0, "time": "09:00:00"}
EX_ITEM = {
    "id": 88,
    "account": 7,
    "network": "mastodon",
    "kind": "comment",
    "author_handle": "@sam@example.org",
    "author_name": "Sam",
    "text": "Is it decaf too?",
    "created_at": "2026-03-02T09:14:00Z",
    "url": "https://social.example/@sam/1",
    "status": "open",
    "assignee": None,
    "priority": 42,
    "sentiment": 0.0,
    "thread_key": "110",
    "post_target": 41,
    "first_response_at": None,
}
FIELD_ERRORS = OpenApiExample(
    "Refused by a network's rules",
    value={"text": ["X @acme: The text is 312 characters; X allows 280."]},
    response_only=True,
    status_codes=["400"],
)


def page_of(example):
    return {"next": "https://smm.example/api/v1/…?cursor=cD0yMDI2", "previous": None, "results": [example]}


def example(name, value, **kw):
    return OpenApiExample(name, value=value, **kw)


POST_WRITE_EXAMPLE = {
    "brand": 3,
    "accounts": [7, 8],
    "text": "Our spring blend is here ☕",
    "variants": {"8": "Our spring blend is here ☕ #coffee"},
    "options": {"7": {"visibility": "unlisted", "language": "en"}, "8": {"reply_settings": "following"}},
    "link": "https://acme.example/spring",
    "media": [5],
}


def _action_schema(summary, description="", request=None, examples=()):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: s.PostSerializer, **ERRORS},
        examples=[example("The post", EX_POST, response_only=True, status_codes=["200"]), *examples],
    )


RANGE_PARAMS = [
    OpenApiParameter("start", str, required=True, description="ISO date or date-time (in time_zone when no offset)"),
    OpenApiParameter("end", str, required=True, description="ISO date or date-time; at most 100 days after start"),
    OpenApiParameter("time_zone", str, description="IANA zone for the answer (default: the workspace's)"),
    OpenApiParameter("brand", int, many=True),
    OpenApiParameter("account", int, many=True),
    OpenApiParameter("network", str, many=True),
    OpenApiParameter("campaign", int, many=True),
    OpenApiParameter("state", str, many=True, description="Post status"),
    OpenApiParameter("slots", bool),
]


# --- workspaces, members ----------------------------------------------------------------------


workspaces = extend_schema_view(
    list=extend_schema(
        summary="Workspaces you may see",
        description="A token sees its own workspace; a signed-in session sees every workspace of the user.",
        examples=[
            example(
                "Workspaces",
                page_of(
                    {
                        "slug": "acme-coffee",
                        "name": "Acme Coffee",
                        "time_zone": "Europe/Paris",
                        "approval_policy": "contributors",
                        "role": "editor",
                    }
                ),
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One workspace",
        responses={200: s.WorkspaceSerializer, **READ_ERRORS},
        examples=[
            example(
                "Workspace",
                {
                    "slug": "acme-coffee",
                    "name": "Acme Coffee",
                    "time_zone": "Europe/Paris",
                    "approval_policy": "contributors",
                    "role": "editor",
                },
            )
        ],
    ),
)


members = extend_schema_view(
    list=extend_schema(
        summary="Members (for assigning inbox items)",
        examples=[example("Members", page_of({"id": 4, "username": "eve", "role": "editor"}))],
    ),
)


# --- brands, posting slots --------------------------------------------------------------------


brands = extend_schema_view(
    list=extend_schema(summary="Brands", examples=[example("Brands", page_of(EX_BRAND))]),
    retrieve=extend_schema(
        summary="One brand", responses={200: s.BrandSerializer, **READ_ERRORS}, examples=[example("Brand", EX_BRAND)]
    ),
)


slots = extend_schema_view(
    list=extend_schema(summary="A brand's weekly posting slots", examples=[example("Slots", page_of(EX_SLOT))]),
    create=extend_schema(
        summary="Add a posting slot",
        responses={201: s.PostingSlotSerializer, **ERRORS},
        examples=[
            example("Monday 9:00", {"weekday": 0, "time": "09:00"}, request_only=True),
            example("Added", EX_SLOT, response_only=True, status_codes=["201"]),
            example(
                "Exists", {"non_field_errors": ["That slot exists already."]}, response_only=True, status_codes=["400"]
            ),
        ],
    ),
    destroy=extend_schema(summary="Remove a posting slot", responses={204: None, **ERRORS}),
)


next_free_slot = extend_schema(
    summary="The brand's next free posting slot",
    responses={200: s.NextSlotSerializer, **READ_ERRORS},
    examples=[
        example(
            "Next slot",
            {"brand": 3, "next_free_slot": "2026-03-02T08:00:00Z", "local": "2026-03-02T09:00:00+01:00"},
        )
    ],
)


# --- accounts ---------------------------------------------------------------------------------


accounts = extend_schema_view(
    list=extend_schema(
        summary="Connected social accounts (never their secrets)", examples=[example("Accounts", page_of(EX_ACCOUNT))]
    ),
    retrieve=extend_schema(
        summary="One social account",
        responses={200: s.SocialAccountSerializer, **READ_ERRORS},
        examples=[example("Account", EX_ACCOUNT)],
    ),
)


# --- media ------------------------------------------------------------------------------------


media = extend_schema_view(
    list=extend_schema(summary="Media library", examples=[example("Media", page_of(EX_MEDIA))]),
    retrieve=extend_schema(
        summary="One image",
        responses={200: s.MediaAssetSerializer, **READ_ERRORS},
        examples=[example("Image", EX_MEDIA)],
    ),
    create=extend_schema(
        summary="Upload an image",
        description="multipart/form-data with `file` (JPEG, PNG, GIF or WebP) and optional `alt_text`. "
        "The image is checked by its content, re-encoded without metadata and thumbnailed. "
        "Send `Idempotency-Key` to make a retry safe.",
        request={"multipart/form-data": s.MediaUploadSerializer},
        responses={201: s.MediaAssetSerializer, **ERRORS},
        examples=[
            example("Uploaded", EX_MEDIA, response_only=True, status_codes=["201"]),
            example(
                "Not an image",
                {"file": ["This file is not an image we can use: upload a JPEG, PNG, GIF or WebP picture."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
)


# --- a video's conversion and subtitles -------------------------------------------------------

EX_CONVERSION = {
    **EX_MEDIA,
    "id": 43,
    "url": "",
    "thumbnail_url": "",
    "original_name": "launch (converted).mp4",
    "mime_type": "video/mp4",
    "size": 0,
    "width": None,
    "height": None,
    "alt_text": "",
    "kind": "video",
    "container": "",
    "processing": "queued",
    "processing_progress": 0,
    "source": 42,
    "captions": [],
}
EX_CAPTION = {
    "language": "pt-BR",
    "url": "https://smm.example/media/captions/1/42/pt-BR.vtt",
    "created_at": "2026-03-02T09:30:00Z",
}
LANGUAGE = OpenApiParameter(
    "language", str, OpenApiParameter.PATH, description='The subtitles\' language, BCP-47: "en", "pt-BR"'
)

media_convert = extend_schema(
    summary="Convert a video for every network",
    description="Starts converting a video of the library to the profile every network takes (MP4 with its "
    "index first, H.264 up to 1080p and 30 fps, AAC). The conversion is a new media asset whose `source` is the "
    "original (which is kept); poll it with GET on the media library (`processing`: queued, running, ready or "
    "failed, `processing_progress` in percent, `processing_error` in words). Safe to repeat: asked again, the "
    "conversion already queued, running or ready is answered (a failed one is tried again); asked for a "
    "conversion, its original's. 202 while it is queued or running, 200 when it is ready.",
    request=None,
    responses={200: s.MediaAssetSerializer, 202: s.MediaAssetSerializer, **ERRORS},
    examples=[
        example("Queued", EX_CONVERSION, response_only=True, status_codes=["202"]),
        example(
            "Ready",
            {**EX_CONVERSION, "processing": "ready", "processing_progress": 100, "size": 5242880, "width": 1080},
            response_only=True,
            status_codes=["200"],
        ),
        example(
            "Not a video",
            {"non_field_errors": ["Only a video can be converted."]},
            response_only=True,
            status_codes=["400"],
        ),
    ],
)

media_caption_put = extend_schema(
    summary="Add or replace a video's subtitles in a language",
    description="multipart/form-data with `file`: a WebVTT file (first line `WEBVTT`) in UTF-8, up to 20,000 "
    "bytes; up to 20 languages a video. The same checks as the media library page. 201 when the language is "
    "new, 200 when its file was replaced. Refusals are field errors (`file`, `language`, or `non_field_errors` "
    "for an image or a video with 20 languages already).",
    parameters=[LANGUAGE],
    request={"multipart/form-data": s.CaptionUploadSerializer},
    responses={200: s.CaptionSerializer, 201: s.CaptionSerializer, **ERRORS},
    examples=[
        example("Added", EX_CAPTION, response_only=True, status_codes=["201"]),
        example("Replaced", EX_CAPTION, response_only=True, status_codes=["200"]),
        example(
            "Not WebVTT",
            {
                "file": [
                    "This is not a WebVTT subtitle file (.vtt): its first line must be “WEBVTT”. "
                    "Convert SRT or other subtitles to WebVTT and try again."
                ]
            },
            response_only=True,
            status_codes=["400"],
        ),
        example(
            "Not a language code",
            {
                "language": [
                    "“english” is not a language code. Use a code like en, fr or pt-BR (language, then country)."
                ]
            },
            response_only=True,
            status_codes=["400"],
        ),
    ],
)

media_caption_delete = extend_schema(
    summary="Remove a video's subtitles in a language",
    description="204 whether the subtitles were there or had been removed already.",
    parameters=[LANGUAGE],
    request=None,
    responses={204: None, **ERRORS},
)


# --- campaigns --------------------------------------------------------------------------------


campaigns = extend_schema_view(
    list=extend_schema(summary="Campaigns", examples=[example("Campaigns", page_of(EX_CAMPAIGN))]),
    retrieve=extend_schema(
        summary="One campaign",
        responses={200: s.CampaignSerializer, **READ_ERRORS},
        examples=[example("Campaign", EX_CAMPAIGN)],
    ),
    create=extend_schema(
        summary="Create a campaign",
        responses={201: s.CampaignSerializer, **ERRORS},
        examples=[
            example(
                "New campaign",
                {"name": "Spring launch", "starts_on": "2026-03-01", "ends_on": "2026-03-31"},
                request_only=True,
            ),
            example("Created", EX_CAMPAIGN, response_only=True, status_codes=["201"]),
            example(
                "Name taken",
                {"name": ["A campaign with this name exists already."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
)


# --- posts ------------------------------------------------------------------------------------


posts = extend_schema_view(
    list=extend_schema(summary="Posts", examples=[example("Posts", page_of(EX_POST))]),
    retrieve=extend_schema(
        summary="One post with its targets",
        responses={200: s.PostSerializer, **READ_ERRORS},
        examples=[example("Post", EX_POST)],
    ),
    create=extend_schema(
        summary="Write a post (a draft) for some accounts",
        description="Creates a draft with one target per account. Schedule it with …/schedule/. "
        "Send `Idempotency-Key` so a retried request never makes a second post.",
        request=s.PostWriteSerializer,
        responses={
            201: s.PostSerializer,
            **ERRORS,
            409: OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key reused with another body"),
        },
        examples=[
            example("Two accounts", POST_WRITE_EXAMPLE, request_only=True),
            example(
                "Created",
                {**EX_POST, "status": "draft", "scheduled_at": None},
                response_only=True,
                status_codes=["201"],
            ),
            example(
                "Account of another brand",
                {"accounts": ["@x of Other Brand does not belong to Acme Coffee."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a post",
        description="Only while nothing of it is publishing or published. A scheduled post stays scheduled "
        "after its content is checked again against every network's rules.",
        request=s.PostUpdateSerializer,
        responses={200: s.PostSerializer, **ERRORS},
        examples=[
            example("New text", {"text": "Spring blend: now in stores"}, request_only=True),
            example("Changed", EX_POST, response_only=True, status_codes=["200"]),
            FIELD_ERRORS,
        ],
    ),
)


posts_schedule = _action_schema(
    "Schedule a post",
    "Exactly one of `at` (an ISO 8601 time with offset), `next_free_slot: true` (the brand's next free posting "
    "slot) or `now: true`. Every target is checked against its network's rules first; problems come back as "
    "field errors. If your role's posts need approval, the post waits for approval instead.",
    s.ScheduleSerializer,
    [
        example("Next free slot", {"next_free_slot": True}, request_only=True),
        example("At a time", {"at": "2026-03-02T09:00:00+01:00"}, request_only=True),
        FIELD_ERRORS,
    ],
)


posts_unschedule = _action_schema("Unschedule (back to draft)", request=None)


# --- bulk import -------------------------------------------------------------------------------

EX_BULK = {
    "id": 31,
    "brand": 3,
    "dry_run": True,
    "status": "done",
    "phase": "",
    "error": "",
    "notes": [],
    "total_rows": 2,
    "done_rows": 2,
    "ok_rows": 1,
    "error_rows": 1,
    "imported_rows": 0,
    "created_at": "2026-02-27T10:00:00Z",
    "finished_at": "2026-02-27T10:00:01Z",
    "rows": [
        {
            "row": 1,
            "status": "ok",
            "errors": {},
            "warnings": [],
            "scheduled_at": "2026-03-02T08:00:00Z",
            "next_free_slot": True,
            "post": None,
        },
        {
            "row": 2,
            "status": "error",
            "errors": {
                "accounts": ["Acme Coffee has no account “@acme_old”. Its accounts: mastodon:@acme@social.example."],
                "scheduled_at": [
                    "Mon 02 Feb 2026 09:00 Europe/Paris has already passed: pick a later time, or leave "
                    "it blank for the next free slot."
                ],
            },
            "warnings": [],
            "scheduled_at": None,
            "next_free_slot": False,
            "post": None,
        },
    ],
}

posts_bulk = extend_schema(
    summary="Import many posts (the CSV import's rows as JSON)",
    description="Each row has the CSV template's columns: `accounts` (handles, `network:handle` or a network "
    "name; a list or one string separated by |), `text`, `text_<network>` (e.g. `text_x`), `media` (library "
    "image names or https:// addresses), `alt_text`, `scheduled_at` (ISO 8601 with offset, or local time in the "
    "brand's zone, blank = the brand's next free posting slot), `link`, `campaign` (an existing campaign's name). "
    "Every row is checked with the composer's rules. `dry_run` (default true) creates nothing. A row becomes a "
    "post or is reported with its errors keyed by column, never half. Up to 100 rows are answered at once "
    "(200, or 201 when posts were created); more are accepted as a job (202): read its results at "
    "…/posts/bulk/<id>/. Send `Idempotency-Key` so a retried request never imports twice.",
    request=s.BulkImportWriteSerializer,
    responses={200: s.BulkImportSerializer, 201: s.BulkImportSerializer, 202: s.BulkImportSerializer, **ERRORS},
    examples=[
        example(
            "Two rows, a dry run",
            {
                "brand": 3,
                "dry_run": True,
                "rows": [
                    {
                        "accounts": ["@acme@social.example", "x:@acme"],
                        "text": "Spring blend is here",
                        "text_x": "Spring ☕",
                    },
                    {"accounts": "@acme_old", "text": "Tasting", "scheduled_at": "2026-02-02 09:00"},
                ],
            },
            request_only=True,
        ),
        example("Checked", EX_BULK, response_only=True, status_codes=["200"]),
    ],
)

posts_bulk_detail = extend_schema(
    summary="A bulk import's progress and per-row results",
    description="`rows` (all, errors or none) chooses which rows come back once the import is finished.",
    parameters=[OpenApiParameter("rows", str, enum=["all", "errors", "none"])],
    responses={200: s.BulkImportSerializer, **READ_ERRORS},
    examples=[example("Finished", EX_BULK)],
)


posts_approve = _action_schema(
    "Approve a post waiting for approval",
    request=s.CommentSerializer,
    examples=[example("Approve", {"comment": "Looks good"}, request_only=True)],
)


posts_request_changes = _action_schema(
    "Send a post back to its author",
    request=s.RequiredCommentSerializer,
    examples=[example("Request changes", {"comment": "Please add the price"}, request_only=True)],
)


posts_cancel = _action_schema("Cancel what has not gone out", request=None)


posts_duplicate = extend_schema(
    summary="Duplicate as a new draft",
    request=None,
    responses={201: s.PostSerializer, **ERRORS},
    examples=[example("The copy", {**EX_POST, "id": 13, "status": "draft", "scheduled_at": None})],
)


posts_retry_target = extend_schema(
    summary="Retry a failed target now",
    description="Only a `failed` target. A target whose outcome is `unknown` may be on the network already: "
    "settle it with …/on-network/ or …/send-again/ instead.",
    request=None,
    parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
    responses={200: s.PostSerializer, **ERRORS},
    examples=[example("Retried", EX_POST)],
)


posts_target_on_network = extend_schema(
    summary="An unknown outcome: it is on the network",
    description="For a target whose state is `unknown` (the network's answer was lost and it cannot be "
    "looked up): you found the post on the network, so it is marked published. Give its `url` if you have it; "
    "SMM reads the post's id from it where the network's links allow (then its metrics are read as usual). "
    "Owners and managers only.",
    request=s.PostLinkSerializer,
    parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
    responses={200: s.PostSerializer, **ERRORS},
    examples=[
        example("With its link", {"url": "https://social.example/@acme/113512345678901234"}, request_only=True),
        example("Marked published", EX_POST, response_only=True, status_codes=["200"]),
        example(
            "Not a link",
            {"url": ["Paste the post's web address, starting with https://."]},
            response_only=True,
            status_codes=["400"],
        ),
    ],
)


posts_send_target_again = extend_schema(
    summary="An unknown outcome: it is not there, send it again",
    description="For a target whose state is `unknown`: you looked and the post is not on the network, so it "
    "is sent again now. If it is there after all, it appears twice: send `confirm: true` to say you looked. "
    "(Retry is refused for these targets for that reason.) Owners and managers only.",
    request=s.SendAgainSerializer,
    parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
    responses={200: s.PostSerializer, **ERRORS},
    examples=[
        example("Confirmed", {"confirm": True}, request_only=True),
        example("Sent again", EX_POST, response_only=True, status_codes=["200"]),
        example(
            "Not confirmed",
            {
                "confirm": [
                    "If the post is on the network after all, sending it again makes it appear twice. "
                    "Look at the account first, then send “confirm”: true."
                ]
            },
            response_only=True,
            status_codes=["400"],
        ),
    ],
)


posts_metrics = extend_schema(
    summary="Latest metrics per published target",
    responses={200: s.PostMetricsSerializer(many=True), **READ_ERRORS},
    examples=[
        example(
            "Metrics",
            [
                {
                    "target": 41,
                    "account": 7,
                    "network": "mastodon",
                    "published_at": "2026-03-02T08:00:03Z",
                    "captured_at": "2026-03-02T09:00:00Z",
                    "impressions": None,
                    "reach": None,
                    "likes": 12,
                    "comments": 3,
                    "shares": 4,
                    "saves": None,
                    "clicks": None,
                    "video_views": None,
                    "engagements": 19,
                }
            ],
        )
    ],
)


# --- calendar ---------------------------------------------------------------------------------


calendar = extend_schema(
    summary="The calendar of a date range",
    description="Posts (as calendar cards), posting slots (with slots=true), campaigns and notes between "
    "start and end: the same events the calendar page draws.",
    parameters=RANGE_PARAMS,
    responses={200: s.CalendarSerializer, 400: ERRORS[400]},
    examples=[
        example(
            "A week",
            {
                "start": "2026-03-02T00:00:00+01:00",
                "end": "2026-03-09T00:00:00+01:00",
                "time_zone": "Europe/Paris",
                "events": [
                    {
                        "id": "post-12",
                        "title": "Our spring blend is here",
                        "start": "2026-03-02T09:00:00+01:00",
                        "end": "2026-03-02T10:00:00+01:00",
                        "editable": True,
                        "classNames": ["post-card", "state-scheduled"],
                        "extendedProps": {
                            "kind": "post",
                            "postId": 12,
                            "url": "/w/acme/posts/12/",
                            "status": "scheduled",
                            "statusLabel": "Scheduled",
                            "held": False,
                            "heldReason": "",
                            "brand": {
                                "id": 3,
                                "name": "Acme Coffee",
                                "colour": "#6b4f2a",
                                "timeZone": "Europe/Paris",
                                "paused": False,
                            },
                            "brandTime": None,
                            "networks": ["mastodon"],
                            "accounts": [{"id": 5, "network": "mastodon", "handle": "@acme", "state": "Scheduled"}],
                            "thumbnail": "",
                            "campaign": "Spring launch",
                            "author": "Olivia",
                        },
                    },
                    {
                        "id": "slot-4-2026-03-03",
                        "title": "Open slot · Acme Coffee",
                        "start": "2026-03-03T10:00:00+01:00",
                        "end": "2026-03-03T10:30:00+01:00",
                        "display": "background",
                        "classNames": ["slot-placeholder"],
                        "backgroundColor": "#6b4f2a",
                        "extendedProps": {"kind": "slot", "brandId": 3},
                    },
                ],
            },
        )
    ],
)


# --- analytics --------------------------------------------------------------------------------


kpis = extend_schema(
    summary="KPIs of some brands over a period",
    description="The dashboard's figures (DESIGN.md definitions) with the previous period's. Periods: "
    "`period=week&week=2026-W09` (default: the last complete ISO week), `period=7d|28d|90d[&end=…]`, "
    "`period=custom&start=…&end=…`; dates are in the workspace's time zone.",
    parameters=[
        OpenApiParameter("brand", int, many=True, description="Default: every brand"),
        OpenApiParameter("network", str, many=True),
        OpenApiParameter("period", str, enum=["week", "7d", "28d", "90d", "custom"]),
        OpenApiParameter("week", str),
        OpenApiParameter("start", OpenApiTypes.DATE),
        OpenApiParameter("end", OpenApiTypes.DATE),
    ],
    responses={200: s.KpiReportSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    examples=[
        example(
            "A week",
            {
                "brands": [3],
                "period": {
                    "kind": "week",
                    "start": "2026-02-23",
                    "end": "2026-03-01",
                    "label": "Week 9, 23 Feb – 01 Mar 2026",
                    "time_zone": "Europe/Paris",
                },
                "previous_period": {
                    "kind": "week",
                    "start": "2026-02-16",
                    "end": "2026-02-22",
                    "label": "Week 8, 16 Feb – 22 Feb 2026",
                    "time_zone": "Europe/Paris",
                },
                "kpis": [
                    {
                        "key": "engagements",
                        "label": "Engagements",
                        "kind": "count",
                        "value": 120.0,
                        "previous": 95.0,
                        "display": "120",
                        "note": "Likes + comments + shares …",
                    }
                ],
                "left_out_of_rates": 2,
            },
        )
    ],
)


# --- inbox ------------------------------------------------------------------------------------


inbox = extend_schema_view(
    list=extend_schema(
        summary="Inbox items (comments, mentions, messages)", examples=[example("Items", page_of(EX_ITEM))]
    ),
    retrieve=extend_schema(
        summary="One inbox item",
        responses={200: s.InboxItemSerializer, **READ_ERRORS},
        examples=[example("Item", EX_ITEM)],
    ),
)


inbox_assign = extend_schema(
    summary="Assign to a member (or unassign)",
    request=s.AssignSerializer,
    responses={200: s.InboxItemSerializer, **ERRORS},
    examples=[
        example("Assign", {"assignee": 4}, request_only=True),
        example("Assigned", {**EX_ITEM, "assignee": 4}, response_only=True, status_codes=["200"]),
    ],
)


inbox_reply = extend_schema(
    summary="Reply on the network",
    request=s.ReplySerializer,
    responses={202: s.InboxReplySerializer, **ERRORS},
    examples=[
        example("Reply", {"text": "Yes, there is a decaf version!", "done": True}, request_only=True),
        example(
            "Queued",
            {
                "id": 3,
                "item": 88,
                "text": "Yes, there is a decaf version!",
                "state": "queued",
                "created_at": "2026-03-02T09:20:00Z",
            },
            response_only=True,
            status_codes=["202"],
        ),
    ],
)


inbox_done = extend_schema(
    summary="Mark done",
    request=None,
    responses={200: s.InboxItemSerializer, **ERRORS},
    examples=[example("Done", {**EX_ITEM, "status": "done"})],
)


inbox_reopen = extend_schema(
    summary="Open again",
    request=None,
    responses={200: s.InboxItemSerializer, **ERRORS},
    examples=[example("Open", EX_ITEM)],
)
