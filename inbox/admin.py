"""Admin views of the inbox for operators: the deliveries networks pushed to us."""

from django.contrib import admin

from inbox.models import InboundWebhook


@admin.register(InboundWebhook)
class InboundWebhookAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "received_at", "processed_at", "new_items", "attempts", "last_error"]
    list_filter = ["source", ("processed_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "source",
        "received_at",
        "payload",
        "processed_at",
        "new_items",
        "attempts",
        "last_error",
        "next_attempt_at",
    ]

    def has_add_permission(self, request):
        return False
