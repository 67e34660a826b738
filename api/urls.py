"""The public REST API (/api/v1/), its OpenAPI schema (/api/schema/) and docs (/api/docs/)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from api.views import (
    accounts,
    analytics,
    base,
    brands,
    bulk,
    calendar,
    campaigns,
    inbox,
    media,
    posts,
    roi,
    uploads,
    video,
    workspaces,
)

WS = r"workspaces/(?P<ws>[-a-zA-Z0-9_]+)"

router = SimpleRouter()
router.register(r"workspaces", workspaces.WorkspaceViewSet, basename="api-workspace")
router.register(rf"{WS}/brands", brands.BrandViewSet, basename="api-brand")
router.register(rf"{WS}/accounts", accounts.SocialAccountViewSet, basename="api-account")
router.register(rf"{WS}/members", workspaces.MemberViewSet, basename="api-member")
router.register(rf"{WS}/media", media.MediaViewSet, basename="api-media")
router.register(rf"{WS}/campaigns", campaigns.CampaignViewSet, basename="api-campaign")
router.register(rf"{WS}/brands/(?P<brand_id>\d+)/slots", brands.PostingSlotViewSet, basename="api-slot")
router.register(rf"{WS}/posts", posts.PostViewSet, basename="api-post")
router.register(rf"{WS}/inbox", inbox.InboxItemViewSet, basename="api-inbox")

open_access = {"permission_classes": [AllowAny], "authentication_classes": [], "throttle_classes": []}

v1 = [
    path("workspaces/<slug:ws>/calendar/", calendar.CalendarView.as_view(), name="api-calendar"),
    path("workspaces/<slug:ws>/analytics/kpis/", analytics.KpiView.as_view(), name="api-kpis"),
    path(
        "workspaces/<slug:ws>/brands/<int:brand_id>/next-free-slot/",
        brands.NextFreeSlotView.as_view(),
        name="api-next-free-slot",
    ),
    # before the router: "bulk" is not a post id
    path("workspaces/<slug:ws>/posts/bulk/", bulk.BulkImportView.as_view(), name="api-post-bulk"),
    path(
        "workspaces/<slug:ws>/posts/bulk/<int:job_id>/",
        bulk.BulkImportDetailView.as_view(),
        name="api-post-bulk-detail",
    ),
    # resumable (tus) uploads into the media library; before the router: "uploads" is not a media id
    path("workspaces/<slug:ws>/media/uploads/", uploads.UploadListView.as_view(), name="api-media-uploads"),
    path(
        "workspaces/<slug:ws>/media/uploads/<uuid:upload_id>/",
        uploads.UploadDetailView.as_view(),
        name="api-media-upload",
    ),
    # a video's conversion and subtitles (posts/transcode.py, posts/captions.py)
    path(
        "workspaces/<slug:ws>/media/<int:media_id>/convert/",
        video.MediaConvertView.as_view(),
        name="api-media-convert",
    ),
    path(
        "workspaces/<slug:ws>/media/<int:media_id>/captions/<str:language>/",
        video.MediaCaptionView.as_view(),
        name="api-media-caption",
    ),
    # Campaign ROI: the signed conversion endpoint (no token) and the figures
    path("workspaces/<slug:ws>/conversions/", roi.ConversionView.as_view(), name="api-conversions"),
    path("workspaces/<slug:ws>/campaigns/figures/", roi.CampaignFiguresView.as_view(), name="api-campaign-figures"),
    path(
        "workspaces/<slug:ws>/campaigns/<int:campaign_id>/figures/",
        roi.CampaignFiguresDetailView.as_view(),
        name="api-campaign-figures-detail",
    ),
    *router.urls,
    re_path(r"^.*$", base.not_found),  # unknown /api/v1/ URLs answer JSON, like the rest
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(**open_access), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", **open_access), name="api-docs"),
]
