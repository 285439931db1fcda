"""Django's admin imports this module: each part of the discussion registers its
own admin (moderation/admin.py, questions/admin.py)."""

from .moderation import admin as moderation_admin  # noqa: F401
from .questions import admin as questions_admin  # noqa: F401
