"""The workspace's link pages, under /w/<ws>/links/."""

from django.urls import path

from links import ga4_views, roi_views, views

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
    # Campaign ROI
    path("campaigns/<int:campaign_id>/", roi_views.campaign, name="campaign"),
    path("campaigns/<int:campaign_id>/budget/", roi_views.budget, name="campaign_budget"),
    path("campaigns/<int:campaign_id>/spend/", roi_views.spend_add, name="spend_add"),
    path("campaigns/<int:campaign_id>/spend/import/", roi_views.spend_import, name="spend_import"),
    path("campaigns/<int:campaign_id>/spend/delete/", roi_views.spend_delete, name="spend_delete"),
    path("orders/import/", roi_views.orders_import, name="orders_import"),
    path("money/", roi_views.money, name="money"),
    path("money/ga4/", ga4_views.save, name="ga4_save"),
    path("money/ga4/test/", ga4_views.check, name="ga4_test"),
    path("money/ga4/pull/", ga4_views.pull_now, name="ga4_pull"),
    path("money/ga4/remove/", ga4_views.remove, name="ga4_remove"),
]
