"""Posts under /w/<ws>/posts/: list, composer, post page, media library, slots, campaigns, notices."""

from django.urls import path

from posts import bulk_views, caption_views, media_views, snippet_views, upload_views, views

app_name = "posts"
urlpatterns = [
    path("", views.post_list, name="list"),
    path("live/", views.post_list_live, name="list_live"),
    path("new/", views.composer, name="new"),
    path("check/", views.composer_check, name="check"),
    path("media/", views.media_library, name="media"),
    path("media/<int:media_id>/convert/", media_views.media_convert, name="media_convert"),
    path("media/<int:media_id>/conversion/", media_views.media_conversion, name="media_conversion"),
    path("media/uploads/", upload_views.upload_list, name="uploads"),
    path("media/<int:media_id>/poster/", upload_views.media_poster, name="media_poster"),
    path("media/<int:media_id>/captions/", caption_views.media_captions, name="media_captions"),
    path("media/uploads/<uuid:upload_id>/", upload_views.upload_detail, name="upload"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("slots/<int:brand_id>/", views.slots, name="slots"),
    path("snippets/<int:brand_id>/", snippet_views.snippets, name="snippets"),
    path("import/", bulk_views.upload, name="bulk_upload"),
    path("import/template.csv", bulk_views.template, name="bulk_template"),
    path("import/<int:job_id>/", bulk_views.job_page, name="bulk_job"),
    path("import/<int:job_id>/live/", bulk_views.job_live, name="bulk_job_live"),
    path("import/<int:job_id>/errors.csv", bulk_views.job_errors, name="bulk_job_errors"),
    path("import/<int:job_id>/import/", bulk_views.job_import, name="bulk_job_import"),
    path("import/<int:job_id>/restart/", bulk_views.job_restart, name="bulk_job_restart"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/", views.notification_open, name="notification_open"),
    path("<int:post_id>/", views.post_detail, name="detail"),
    path("<int:post_id>/live/", views.post_live, name="live"),
    path("<int:post_id>/edit/", views.composer, name="edit"),
    path("<int:post_id>/targets/<int:target_id>/on-network/", views.target_on_network, name="target_on_network"),
    path("<int:post_id>/targets/<int:target_id>/send-again/", views.target_send_again, name="target_send_again"),
    path("<int:post_id>/<slug:name>/", views.post_action, name="action"),
]
