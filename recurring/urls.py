"""Repeating series and evergreen categories under /w/<ws>/recurring/."""

from django.urls import path

from recurring import views

app_name = "recurring"
urlpatterns = [
    path("", views.series_list, name="list"),
    path("new/", views.series_new, name="new"),
    path("preview/", views.preview, name="preview"),
    path("<int:series_id>/", views.series_detail, name="detail"),
    path("<int:series_id>/edit/", views.series_edit, name="edit"),
    path("<int:series_id>/<slug:name>/", views.series_action, name="action"),
    path("evergreen/", views.categories, name="categories"),
    path("evergreen/add/<int:post_id>/", views.add_to_category, name="add_to_category"),
]
