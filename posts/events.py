"""What the outside world is told about posts: outgoing webhook events.

Called inside the transaction that made the change, so a rollback tells nobody; the
deliveries themselves are sent after commit (smm.webhooks.emit).
"""

from __future__ import annotations

from smm.webhooks import emit


def _target_payload(target) -> dict:
    account = target.account
    post = target.post
    return {
        "post": {"id": post.pk, "status": post.status, "scheduled_at": post.scheduled_at, "brand_id": post.brand_id},
        "target": {
            "id": target.pk,
            "state": target.state,
            "attempts": target.attempts,
            "remote_id": target.remote_id,
            "remote_url": target.remote_url,
            "published_at": target.published_at,
            "error": target.error_user_message or None,
        },
        "account": {"id": account.pk, "network": account.network, "handle": account.handle},
    }


def target_published(target) -> None:
    emit(target.post.workspace, "post.published", _target_payload(target))


def target_failed(target) -> None:
    emit(target.post.workspace, "post.failed", _target_payload(target))


def post_needs_approval(post) -> None:
    emit(
        post.workspace,
        "post.needs_approval",
        {"post": {"id": post.pk, "status": post.status, "scheduled_at": post.scheduled_at, "brand_id": post.brand_id}},
    )


def account_needs_reconnect(account) -> None:
    emit(
        account.brand.workspace,
        "account.needs_reconnect",
        {
            "account": {
                "id": account.pk,
                "network": account.network,
                "handle": account.handle,
                "reason": account.status_reason,
            }
        },
    )
