"""The activity feed: a human-readable history of every board change."""
