"""One inbox for comments, mentions and DMs: ingestion, priority, assignment, replies."""
