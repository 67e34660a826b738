from django.contrib import admin

from smm.models import AuditEvent, Brand, Invitation, Membership, SocialAccount, UserProfile, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "approval_policy", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "time_zone", "paused"]
    list_filter = ["paused", "workspace"]
    search_fields = ["name"]


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ["handle", "network", "brand", "status", "token_expires_at"]
    list_filter = ["network", "status"]
    search_fields = ["handle", "display_name"]
    # Credentials are never shown or edited here.
    exclude = ["credentials"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role"]
    list_filter = ["role"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "created_at", "accepted_at"]
    exclude = ["token"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "workspace", "actor", "verb", "message"]
    list_filter = ["verb"]


admin.site.register(UserProfile)
admin.site.site_header = "SMM administration"
