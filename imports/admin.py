from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from core.admin_ids import CheckedIdsAdmin

from . import runs
from .forms import ImportUploadForm
from .models import ImportedItem, ImportRun, LegacyLink

RUN_IMPORT = "imports.run_import"


@admin.register(ImportRun)
class ImportRunAdmin(CheckedIdsAdmin):
    """Upload an export, read the dry run's report, then import in the background."""

    form = ImportUploadForm
    list_display = ["__str__", "status", "created_by", "created", "finished_at"]
    list_filter = ["source", "status"]
    change_form_template = "admin/imports/importrun/change_form.html"
    readonly_fields = [
        "source",
        "file_name",
        "status",
        "created_by",
        "created",
        "started_by",
        "started_at",
        "finished_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "source",
                "upload",
                "section_from",
                "include_pages",
                "include_pingbacks",
                "maps",
            ]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(RUN_IMPORT) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a run is a record: its file and reports do not change

    def save_model(self, request, obj, form, change) -> None:
        obj.created_by = request.user
        obj.file_name = form.cleaned_data["upload"].name[:255]
        obj.options = runs.options_from_form(form.cleaned_data)
        super().save_model(request, obj, form, change)
        runs.queue_dry_run(obj)

    def response_add(self, request, obj, post_url_continue=None):
        """To the run's page, where the dry run's report appears."""
        messages.success(
            request, f"Uploaded {obj.file_name}: the dry run is reading it."
        )
        return redirect("admin:imports_importrun_change", obj.pk)

    def delete_model(self, request, obj) -> None:
        obj.upload.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for run in queryset:
            run.upload.delete(save=False)
        super().delete_queryset(request, queryset)

    def get_urls(self):
        def wrap(view):
            """As Django's own ModelAdmin URLs: the view knows its ModelAdmin."""
            wrapped = self.admin_site.admin_view(view)
            wrapped.model_admin = self
            return wrapped

        return [
            path(
                "<path:object_id>/start/",
                wrap(self.start_view),
                name="imports_importrun_start",
            ),
            path(
                "<path:object_id>/progress/",
                wrap(self.progress_view),
                name="imports_importrun_progress",
            ),
            *super().get_urls(),
        ]

    def _run(self, request, object_id) -> ImportRun:
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            raise PermissionDenied
        return run

    def start_view(self, request, object_id):
        if request.method != "POST" or not request.user.has_perm(RUN_IMPORT):
            raise PermissionDenied
        run = self._run(request, object_id)
        if runs.start(run, request.user):
            messages.success(request, f"Importing {run.file_name} in the background.")
        else:
            messages.error(
                request,
                f"{run.file_name} cannot be imported now: it is "
                f"“{run.get_status_display().lower()}”.",
            )
        return redirect("admin:imports_importrun_change", run.pk)

    def progress_view(self, request, object_id):
        run = self._run(request, object_id)
        return TemplateResponse(
            request,
            "admin/imports/importrun/_progress.html",
            {
                "run": run,
                "progress": runs.progress(run),
                "can_start": self.can_start(request, run),
            },
        )

    @staticmethod
    def can_start(request, run: ImportRun) -> bool:
        return run.status == ImportRun.Status.CHECKED and request.user.has_perm(
            RUN_IMPORT
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None:  # Django's admin says so and goes back to the list
            return super().change_view(request, object_id, form_url, extra_context)
        extra_context = {
            **(extra_context or {}),
            "run": run,
            "progress": runs.progress(run),
            "can_start": self.can_start(request, run),
        }
        return super().change_view(request, object_id, form_url, extra_context)


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
    raw_id_fields = ["article", "author", "comment"]

    def has_add_permission(self, request):
        return False  # rows come from imports only
