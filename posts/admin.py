"""Admin views of posts for operators (read mostly; states change through posts.actions)."""

from django.contrib import admin

from posts.models import Campaign, MediaAsset, Post, PostComment, PostingSlot, PostTarget


class PostTargetInline(admin.TabularInline):
    model = PostTarget
    extra = 0
    fields = ["account", "state", "due_at", "attempts", "remote_url", "error_kind", "error_user_message"]
    readonly_fields = fields
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "workspace", "brand", "status", "scheduled_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["text"]
    raw_id_fields = ["workspace", "brand", "author", "campaign", "approved_by"]
    readonly_fields = ["status"]
    inlines = [PostTargetInline]


@admin.register(PostTarget)
class PostTargetAdmin(admin.ModelAdmin):
    list_display = ["id", "post", "account", "state", "due_at", "attempts", "locked_until"]
    list_filter = ["state", "account__network"]
    raw_id_fields = ["post", "account"]
    readonly_fields = ["state", "idempotency_key"]


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "workspace", "mime_type", "width", "height", "size"]
    raw_id_fields = ["workspace", "uploaded_by"]


admin.site.register(Campaign)
admin.site.register(PostComment)
admin.site.register(PostingSlot)
