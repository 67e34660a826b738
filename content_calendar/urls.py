from django.urls import path

from content_calendar import views

app_name = "calendar"
urlpatterns = [
    path("", views.calendar_view, name="view"),
    path("events/", views.events_feed, name="events"),
    path("changes/", views.changes, name="changes"),
    path("posts/<int:post_id>/reschedule/", views.reschedule, name="reschedule"),
    path("notes/", views.note_list, name="notes"),
    path("notes/new/", views.note_edit, name="note_create"),
    path("notes/<int:note_id>/", views.note_edit, name="note_edit"),
    path("notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
    path("subscription/", views.feed_token, name="feed_token"),
]
