from django.urls import path

from inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("items/", views.inbox_items, name="items"),
    path("settings/", views.inbox_settings, name="settings"),
    path("<int:item_id>/", views.inbox_item, name="item"),
    path("<int:item_id>/thread/", views.inbox_thread, name="thread"),
    path("<int:item_id>/reply/", views.inbox_reply, name="reply"),
    path("<int:item_id>/replies/<int:reply_id>/retry/", views.inbox_reply_retry, name="reply_retry"),
    path("<int:item_id>/replies/<int:reply_id>/check/", views.inbox_reply_check, name="reply_check"),
    path("<int:item_id>/replies/<int:reply_id>/on-network/", views.inbox_reply_on_network, name="reply_on_network"),
    path("<int:item_id>/replies/<int:reply_id>/send-again/", views.inbox_reply_send_again, name="reply_send_again"),
    path("<int:item_id>/assign/", views.inbox_assign, name="assign"),
    path("<int:item_id>/status/", views.inbox_status, name="status"),
    path("<int:item_id>/note/", views.inbox_note, name="note"),
]
