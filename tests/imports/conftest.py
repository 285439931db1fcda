"""Fixtures shared with the accounts tests: the sign-up flow runs on commit."""

from tests.accounts.conftest import committed  # noqa: F401
