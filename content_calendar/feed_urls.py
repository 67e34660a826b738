"""Calendar subscription feeds (iCal), outside the workspace URL space: the secret token is the key."""

from django.urls import path

from content_calendar import views

app_name = "calendar_feeds"
urlpatterns = [
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
]
