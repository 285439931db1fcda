"""Signals the accounts app sends, for higher apps to plug into (imports point down:
accounts never imports the apps that show its users)."""

from django.dispatch import Signal

# A user's public name changed (settings page, the name asked before a first post,
# the admin); sent after the commit with `user`. The discussion uses it to refresh
# the cached pages that show the name (comments/apps.py).
public_name_changed = Signal()
