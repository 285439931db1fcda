from django.contrib import admin

from core.admin_ids import CheckedIdsAdmin

from .models import ImportedItem, LegacyLink


@admin.register(LegacyLink)
class LegacyLinkAdmin(CheckedIdsAdmin):
    """Old addresses that redirect (301) to an article."""

    list_display = ["path", "article", "source"]
    search_fields = ["path", "article__title"]
    raw_id_fields = ["article"]


@admin.register(ImportedItem)
class ImportedItemAdmin(CheckedIdsAdmin):
    list_display = ["source", "kind", "source_id", "article", "author", "imported_at"]
    list_filter = ["source", "kind"]
    search_fields = ["source_id"]
    raw_id_fields = ["article", "author"]

    def has_add_permission(self, request):
        return False  # rows come from imports only
