"""A brand account and an audience on the sandbox network, served by the live server."""

from __future__ import annotations


def sandbox_world(live_server, shop, *, username="acmecoffee"):
    from sandbox.models import SandboxAccount

    brand_remote = SandboxAccount.objects.create(username=username, display_name="Acme Coffee")
    brand_remote.issue_token(f"token-{username}")
    sam = SandboxAccount.objects.create(
        username="sam", display_name="Sam Jones", followers_count=12_400, is_audience=True
    )
    account = shop["account"]
    account.handle = f"@{username}"
    account.remote_id = str(brand_remote.pk)
    account.base_url = f"{live_server.url}/sandbox"
    account.credentials = {"access_token": f"token-{username}"}
    account.save()
    return brand_remote, sam


def say(author, text, reply_to=None):
    from sandbox.actions import NewStatus, post_status

    status, _ = post_status(author, NewStatus(text=text, in_reply_to_id=str(reply_to.pk) if reply_to else None))
    return status
