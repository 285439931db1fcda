"""Newsroom admin for newsletters, subscribers and issues.

Issues get their own screens beside the change form: fill from recent articles,
preview (HTML and text), send a test, send, and live progress.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from articles.cache import site_changed
from core.admin_ids import CheckedIdsAdmin, CheckedIdsMixin
from core.charts import count_chart

from . import services
from .admin_digest import IssuePickInline, IssueQuestionInline
from .admin_io import export_rows, import_subscribers
from .emails import personalise, render_issue
from .forms import FillForm, ImportForm
from .models import Delivery, DigestRun, Issue, IssueArticle, Newsletter, Subscriber

EXPORT_BAD_FILTERS = (
    "These export filters are not valid: choose them again on this list, then export."
)


def _count(queryset) -> Coalesce:
    """COUNT of `queryset` (correlated with OuterRef) as a scalar subquery.

    COUNT as a plain function, not an aggregate, so Django adds no GROUP BY.
    """
    counted = queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(Newsletter)
class NewsletterAdmin(CheckedIdsAdmin):
    list_display = ["name", "is_default", "confirmed", "pending", "issues_sent"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The signup block on every cached page lists the newsletters.
        transaction.on_commit(site_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(site_changed)

    def get_queryset(self, request):
        # One counting subquery per figure: joining subscribers and issues in one
        # query would multiply the rows (subscribers × issues) before counting.
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=_count(
                    Subscriber.objects.filter(
                        newsletters=OuterRef("pk"),
                        status=Subscriber.Status.CONFIRMED,
                    )
                ),
                pending_count=_count(
                    Subscriber.objects.filter(
                        newsletters=OuterRef("pk"),
                        status=Subscriber.Status.PENDING,
                    )
                ),
                sent_count=_count(
                    Issue.objects.filter(
                        newsletter=OuterRef("pk"), status=Issue.Status.SENT
                    )
                ),
            )
        )

    @admin.display(description="confirmed subscribers", ordering="confirmed_count")
    def confirmed(self, obj) -> int:
        return obj.confirmed_count

    @admin.display(description="pending", ordering="pending_count")
    def pending(self, obj) -> int:
        return obj.pending_count

    @admin.display(description="issues sent", ordering="sent_count")
    def issues_sent(self, obj) -> int:
        return obj.sent_count


class SourceFilter(admin.SimpleListFilter):
    """Where readers signed up, grouped: the raw paths are one per article."""

    title = "source"
    parameter_name = "source"
    GROUPS = {
        "article": ("Article pages", Q(source__startswith="/articles/")),
        "home": ("Front page", Q(source="/")),
        "newsletter": ("Newsletter pages", Q(source__startswith="/newsletter/")),
        "import": ("CSV import", Q(source="import")),
        "other": (
            "Elsewhere",
            ~Q(source__startswith="/articles/")
            & ~Q(source="/")
            & ~Q(source__startswith="/newsletter/")
            & ~Q(source="import"),
        ),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.GROUPS.items()]

    def queryset(self, request, queryset):
        if self.value() in self.GROUPS:
            return queryset.filter(self.GROUPS[self.value()][1])
        return queryset


@admin.register(Subscriber)
class SubscriberAdmin(CheckedIdsAdmin):
    list_display = ["email", "status", "newsletter_names", "source", "created"]

    def changelist_view(self, request, extra_context=None):
        """The list, with new confirmed subscribers per day below it."""
        if self.has_view_or_change_permission(request):  # else Django refuses
            chart = count_chart(
                "signups",
                "New subscribers per day",
                Subscriber.objects.all(),
                "confirmed_at",
            )
            extra_context = {**(extra_context or {}), "signups_chart": chart}
        return super().changelist_view(request, extra_context)

    list_filter = ["status", "newsletters", SourceFilter, "created", "confirmed_at"]
    search_fields = ["email", "user__email"]
    date_hierarchy = "created"
    raw_id_fields = ["user"]
    readonly_fields = [
        "consent_text",
        "consent_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "created",
    ]
    actions = ["mark_bounced"]
    change_list_template = "admin/newsletter/subscriber/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("newsletters")

    @admin.display(description="newsletters")
    def newsletter_names(self, obj) -> str:
        return ", ".join(n.name for n in obj.newsletters.all())

    @admin.action(description="Mark selected subscribers as bounced")
    def mark_bounced(self, request, queryset):
        count = services.subscribers_mark_bounced(subscribers=queryset)
        self.message_user(request, f"{count} subscribers marked as bounced.")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "export/",
                wrap(self.export_view),
                name="newsletter_subscriber_export",
            ),
            path(
                "import/",
                wrap(self.import_view),
                name="newsletter_subscriber_import",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The subscribers the changelist shows (its filters and search), as CSV,
        streamed row by row so a large list never sits in memory."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, EXPORT_BAD_FILTERS)
            return redirect("admin:newsletter_subscriber_changelist")
        queryset = changelist.get_queryset(request)
        response = StreamingHttpResponse(
            export_rows(queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = import_subscribers(form.cleaned_data["file"])
            messages.success(
                request,
                f"{report.imported} subscribers imported, "
                f"{len(report.errors)} rows rejected.",
            )
        return TemplateResponse(
            request,
            "admin/newsletter/subscriber/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Import subscribers",
                "form": form,
                "report": report,
            },
        )


class IssueArticleInline(CheckedIdsMixin, admin.TabularInline):
    model = IssueArticle
    extra = 0
    fields = ["position", "article"]
    autocomplete_fields = ["article"]


@admin.register(Issue)
class IssueAdmin(CheckedIdsAdmin):
    list_display = ["__str__", "newsletter", "status", "created", "sent_at", "counts"]
    list_filter = ["status", "newsletter"]
    search_fields = ["subject"]
    inlines = [IssueArticleInline, IssuePickInline, IssueQuestionInline]

    def get_inlines(self, request, obj):
        # Picks and questions are the digest's: shown on issues that hold some.
        if obj is not None and (obj.picks.exists() or obj.questions.exists()):
            return self.inlines
        return [IssueArticleInline]

    fields = ["newsletter", "subject", "preheader", "intro"]
    change_form_template = "admin/newsletter/issue/change_form.html"

    @admin.display(description="sent / recipients")
    def counts(self, obj) -> str:
        if obj.status == Issue.Status.DRAFT:
            return "—"
        return f"{obj.sent_count} / {obj.recipients_count}"

    def has_change_permission(self, request, obj=None):
        # A sent or sending issue is a record: it no longer changes.
        if obj is not None and obj.status != Issue.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        views = [
            ("preview/html/", self.preview_html_view, "preview_html"),
            ("preview/text/", self.preview_text_view, "preview_text"),
            ("fill/", self.fill_view, "fill"),
            ("send-test/", self.send_test_view, "send_test"),
            ("send/", self.send_view, "send"),
            ("resume/", self.resume_view, "resume"),
            ("progress/", self.progress_view, "progress"),
        ]
        return [
            path(
                f"<int:object_id>/{route}",
                wrap(view),
                name=f"newsletter_issue_{name}",
            )
            for route, view, name in views
        ] + super().get_urls()

    def _issue(self, request, object_id, *, change: bool = False) -> Issue:
        issue = get_object_or_404(
            Issue.objects.select_related("newsletter"), pk=object_id
        )
        allowed = (
            # Model-level: a sent issue still answers "already sent", not 403.
            admin.ModelAdmin.has_change_permission(self, request, issue)
            if change
            else self.has_view_permission(request, issue)
        )
        if not allowed:
            raise PermissionDenied
        return issue

    def _preview_message(self, request, issue):
        subscriber = Subscriber.objects.filter(
            email=request.user.email.lower()
        ).first() or Subscriber(email=request.user.email)
        return personalise(render_issue(issue), subscriber)

    def preview_html_view(self, request, object_id):
        from csp.constants import UNSAFE_INLINE
        from csp.decorators import csp_update

        issue = self._issue(request, object_id)
        html = self._preview_message(request, issue).alternatives[0][0]

        # The email's CSS is inlined (style attributes): let this staff-only page
        # show it as a mail client would. Scripts stay forbidden.
        @csp_update({"style-src": [UNSAFE_INLINE]})
        def respond(request):
            return HttpResponse(html)

        return respond(request)

    def preview_text_view(self, request, object_id):
        issue = self._issue(request, object_id)
        text = self._preview_message(request, issue).body
        return HttpResponse(text, content_type="text/plain; charset=utf-8")

    def fill_view(self, request, object_id):
        issue = self._issue(request, object_id, change=True)
        form = FillForm(request.POST or None, initial={"days": 7})
        if request.method == "POST" and form.is_valid():
            added = services.issue_fill_articles(
                issue=issue, days=form.cleaned_data["days"]
            )
            messages.success(request, f"{added} articles added to the issue.")
            return redirect(issue.get_admin_url())
        return self._render(request, issue, "fill.html", "Fill from recent", form=form)

    def send_test_view(self, request, object_id):
        issue = self._issue(request, object_id, change=True)
        if request.method == "POST":
            services.issue_send_test(issue=issue, email=request.user.email)
            messages.success(request, f"A test is on its way to {request.user.email}.")
        return redirect(issue.get_admin_url())

    def send_view(self, request, object_id):
        issue = self._issue(request, object_id, change=True)
        if request.method == "POST":
            try:
                services.issue_send(issue=issue)
            except services.IssueError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Sending has started.")
            return redirect(issue.get_admin_url())
        problem = None
        try:
            services.issue_check_sendable(issue)
        except services.IssueError as error:
            problem = str(error)
        recipients = Subscriber.objects.confirmed().filter(newsletters=issue.newsletter)
        return self._render(
            request,
            issue,
            "send.html",
            "Send this issue",
            problem=problem,
            recipients=recipients.count(),
        )

    def resume_view(self, request, object_id):
        issue = self._issue(request, object_id, change=True)
        if request.method == "POST":
            services.issue_resume(issue=issue)
            messages.success(request, "Sending resumes.")
        return redirect(issue.get_admin_url())

    def progress_view(self, request, object_id):
        issue = self._issue(request, object_id)
        return TemplateResponse(
            request,
            "admin/newsletter/issue/_progress.html",
            {"issue": issue, "progress": issue.progress()},
        )

    def _render(self, request, issue, template, title, **context):
        return TemplateResponse(
            request,
            f"admin/newsletter/issue/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": issue,
                "issue": issue,
                "title": title,
                **context,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The admin's own lookup: an id that is not a number finds nothing.
        issue = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if issue is not None:
            extra_context["issue_progress"] = issue.progress()
            extra_context["digest_run"] = DigestRun.objects.filter(issue=issue).first()
            # Model-level, like _issue(change=True): the actions on this page
            # (test, fill, send, resume) need the change permission.
            extra_context["issue_can_act"] = admin.ModelAdmin.has_change_permission(
                self, request, issue
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Delivery)
class DeliveryAdmin(CheckedIdsAdmin):
    list_display = ["issue", "subscriber", "status", "attempts", "sent_at"]
    list_filter = ["status", "issue"]
    search_fields = ["subscriber__email"]
    raw_id_fields = ["issue", "subscriber"]
    list_select_related = ["issue", "subscriber"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
