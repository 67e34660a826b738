from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("overview/", views.overview, name="overview"),
    path("export/figures.csv", views.export_figures, name="export_figures"),
    path("export/posts.csv", views.export_posts, name="export_posts"),
    path("export/campaigns.csv", views.export_campaigns, name="export_campaigns"),
    path("report/", views.report, name="report"),
    path("reports/", views.subscriptions, name="subscriptions"),
    path("reports/subscribe/", views.subscribe, name="subscribe"),
    path("reports/<int:subscription_id>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
