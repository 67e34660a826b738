"""Calendar subscription feeds (iCal), outside the workspace URL space: the secret token is the key."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
