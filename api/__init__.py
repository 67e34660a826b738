"""The public REST API under /api/v1/: tokens, workspace-scoped endpoints, outgoing webhooks."""
