"""The public REST API under /api/v1/ (tokens or session, workspace-scoped endpoints, its
OpenAPI schema and docs) and the API & webhooks page; above every feature app."""
