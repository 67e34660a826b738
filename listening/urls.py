"""The workspace's listening pages, under /w/<ws>/listening/."""

from django.urls import path

from listening import views

app_name = "listening"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("monitors/new/", views.monitor_create, name="monitor_create"),
    path("monitors/<int:monitor_id>/", views.monitor_edit, name="monitor_edit"),
    path("mentions/<int:mention_id>/to-inbox/", views.mention_to_inbox, name="mention_to_inbox"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("settings/", views.listening_settings, name="settings"),
    path("competitors/", views.competitor_page, name="competitors"),
    path("competitors/add/", views.competitor_add, name="competitor_add"),
    path("competitors/remove/", views.competitor_remove, name="competitor_remove"),
]
