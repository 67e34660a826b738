"""A small Mastodon-API-compatible network for the demo, tests and benchmarks. Never in production."""
