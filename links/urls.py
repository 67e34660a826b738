"""The workspace's link pages, under /w/<ws>/links/."""

from django.urls import path

from links import views

app_name = "links"

urlpatterns = [
    path("", views.link_list, name="list"),
    path("<int:link_id>/pause/", views.link_pause, name="pause"),
    path("<int:link_id>/repoint/", views.link_repoint, name="repoint"),
    path("settings/", views.presets, name="presets"),
    path("settings/workspace/", views.preset_workspace, name="preset_workspace"),
    path("settings/brands/<int:brand_id>/", views.preset_brand, name="preset_brand"),
    path("settings/campaigns/<int:campaign_id>/", views.preset_campaign, name="preset_campaign"),
    path("composer-preview/", views.composer_preview, name="composer_preview"),
]
