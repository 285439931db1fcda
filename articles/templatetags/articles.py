"""Template helpers for article pages."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The same escapes as Django's json_script: nothing in the data can close the tag.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data) -> SafeString:
    """A JSON-LD block. Data blocks are not executed, so the strict CSP allows them."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        SafeString(payload.translate(_JSON_SCRIPT_ESCAPES)),
    )
