"""Admin views of the inbox for operators: the deliveries networks pushed to us."""

from django.contrib import admin
from django.utils import timezone

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

    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry the selected pending deliveries now")
    def retry_now(self, request, queryset):
        from inbox.webhooks import process_pending

        count = queryset.filter(processed_at__isnull=True).update(next_attempt_at=timezone.now())
        process_pending()
        self.message_user(request, f"{count} deliver{'y' if count == 1 else 'ies'} handed to a worker.")
