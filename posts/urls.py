"""Posts under /w/<ws>/posts/: list, composer, post page, media library, slots, campaigns, notices."""

from django.urls import path

from posts import views

app_name = "posts"
urlpatterns = [
    path("", views.post_list, name="list"),
    path("live/", views.post_list_live, name="list_live"),
    path("new/", views.composer, name="new"),
    path("check/", views.composer_check, name="check"),
    path("media/", views.media_library, name="media"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("slots/<int:brand_id>/", views.slots, name="slots"),
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
