"""Roles and what each may do. Views ask ``membership.can(...)``; menus only mirror it."""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    EDITOR = "editor", "Editor"
    CONTRIBUTOR = "contributor", "Contributor"
    CLIENT = "client", "Client"


# One named right per kind of action; a view states the right it needs.
RIGHTS: dict[str, set[str]] = {
    "view": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR, Role.CLIENT},
    "manage_members": {Role.OWNER},
    "manage_workspace": {Role.OWNER},
    "manage_brands": {Role.OWNER, Role.MANAGER},
    "connect_accounts": {Role.OWNER, Role.MANAGER},
    "write_posts": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR},
    "schedule_posts": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR},
    "approve_posts": {Role.OWNER, Role.MANAGER, Role.CLIENT},
    # Say whether a post of unknown outcome is on its network, or send it again (which
    # may post it twice): the people the "please check" notice goes to.
    "resolve_outcomes": {Role.OWNER, Role.MANAGER},
    "reply_inbox": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR},
    "manage_inbox": {Role.OWNER, Role.MANAGER, Role.EDITOR},
    # The team's own working material (inbox notes, assignment, who answered, priority
    # keywords and the scores they give): never shown to a client, on any page or API.
    "see_internal": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR},
    "view_analytics": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR, Role.CLIENT},
    "manage_api": {Role.OWNER, Role.MANAGER, Role.EDITOR},
    "view_operations": {Role.OWNER},
}

# Whose posts go through approval when the workspace requires it.
NEEDS_APPROVAL = {Role.CONTRIBUTOR, Role.EDITOR}

ROLE_RANK = {Role.CLIENT: 0, Role.CONTRIBUTOR: 1, Role.EDITOR: 2, Role.MANAGER: 3, Role.OWNER: 4}


def role_can(role: str, right: str) -> bool:
    try:
        return role in RIGHTS[right]
    except KeyError:
        raise LookupError(f"Unknown right {right!r}") from None
