"""The public short links, under /<SHORT_LINK_PREFIX>/ (answered first by
links.middleware.ShortLinksFirst; the pattern names the address for reverse())."""

from django.urls import path

from links import views

app_name = "links_public"

urlpatterns = [path("<str:code>", views.follow, name="redirect")]
