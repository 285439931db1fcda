"""Seed data for benchmarks: a discussion of N approved comments on an article."""


def seed_discussion(article, count: int) -> int:
    """Placeholder until the discussion lands: nothing to seed yet."""
    return 0
