"""Posts: composer, per-account targets, media library, approvals and the publishing engine."""
