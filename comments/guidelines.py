"""What the community guidelines page says about the newsroom's policies, read
from the same settings the rules use (so the page never disagrees with them)."""

from __future__ import annotations

from django.conf import settings

from . import conf
from .models import Comment
from .moderation import rota


def guidelines_context() -> dict:
    current = rota.current()
    return {
        "trust_bar": conf.trust_bar(),
        "rota_hours": [] if current.is_empty else rota.weekly_hours(current),
        "rota_exceptions": rota.coming_exceptions(rota=current),
        "outside_rota": conf.outside_rota(),
        "time_zone": settings.TIME_ZONE,
        "mend_hours": int(conf.mend_window().total_seconds() // 3600),
        "mendable": [
            label
            for value, label in Comment.RejectionReason.choices
            if value in Comment.MENDABLE
        ],
        "hold_first": conf.hold_first_approved(),
        "hold_links_over": conf.hold_links_over(),
        "report_threshold": conf.report_threshold(),
    }
