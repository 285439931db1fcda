"""The active word rules, kept in memory per process.

Every post and question is checked against them, so they are read once per process
and reloaded when one changes (saved or deleted anywhere: the admin, a shell, a
migration), not queried on every post.
"""

from django.db import transaction

from .conf import SharedMemo
from .models import WordRule, normalize_text


def _load() -> list[WordRule]:
    return list(WordRule.objects.filter(is_active=True))


_active = SharedMemo("comments:word-rules-version", _load)


def matching(text: str, action: str) -> WordRule | None:
    """The first active rule of `action` that `text` breaks (rules in phrase order)."""
    normalized = normalize_text(text)
    for rule in _active.get():
        if rule.action == action and rule.matches(normalized):
            return rule
    return None


def rules_changed(**kwargs) -> None:
    """Signal receiver: reload now and again once the change is committed.

    Now, so this process and this transaction see the change; on commit, so another
    process that reloaded in between does not keep the rules from before it.
    """
    _active.changed()
    transaction.on_commit(_active.changed)
