"""Links in the weekly report email, outside the workspace URL space: the signed token is the key."""

from django.urls import path

from analytics import views

app_name = "reports"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe_by_link, name="unsubscribe"),
]
