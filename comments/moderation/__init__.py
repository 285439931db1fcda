"""Moderators' work: the queues, decisions on comments and on readers, the
admin, the dashboard and the audit trail."""
