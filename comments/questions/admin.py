"""Editors' admin for reader questions: review, feature, answer and promote.

Every decision goes through questions/services.py and is logged (admin LogEntry).
Promotion has its own step: the editor writes (or checks) the answer and picks the
FAQ position, then one transaction creates the FAQ entry.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from articles.cache import article_changed
from articles.models import FaqItem
from core.admin_ids import CheckedIdsAdmin

from ..services import CommentError
from . import services
from .forms import PromoteForm
from .models import ReaderQuestion

PROMOTE_ONE = "Promote one question at a time."
PROMOTED = "“{question}” is now in the FAQ of “{article}”, at position {position}."


@admin.register(ReaderQuestion)
class ReaderQuestionAdmin(CheckedIdsAdmin):
    list_display = (
        "__str__",
        "asker",
        "article",
        "status",
        "is_featured",
        "in_faq",
        "created",
    )
    list_filter = (
        "status",
        "is_featured",
        ("article", admin.RelatedOnlyFieldListFilter),
        "created",
    )
    search_fields = (
        "text",
        "answer",
        "author__email",
        "author__display_name",
        "article__title",
    )
    list_select_related = ("author", "article")
    date_hierarchy = "created"
    autocomplete_fields = ("article",)
    fields = (
        "text",
        "asker_links",
        "is_anonymous",
        "article",
        "status",
        "hold_reason",
        "is_featured",
        "featured_at",
        "answers_link",
        "answer",
        "answered_by",
        "answered_at",
        "faq_link",
        "created",
        "reviewed_at",
    )
    readonly_fields = (
        "text",
        "asker_links",
        "is_anonymous",
        "status",
        "hold_reason",
        "is_featured",
        "featured_at",
        "answers_link",
        "answered_by",
        "answered_at",
        "faq_link",
        "created",
        "reviewed_at",
    )
    actions = ["approve", "reject", "feature", "unfeature", "promote"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.faq_item_id:
            # In the FAQ now: the FAQ entry is edited in the article's admin.
            return (*fields, "article", "answer")
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # questions come from readers, through the rules

    @admin.display(description="asked by", ordering="author__email")
    def asker(self, obj: ReaderQuestion) -> str:
        if obj.author_id is None:
            return "(deleted account)"
        suffix = " (anonymous)" if obj.is_anonymous else ""
        return f"{obj.author.email}{suffix}"

    @admin.display(description="in the FAQ", boolean=True)
    def in_faq(self, obj: ReaderQuestion) -> bool:
        return obj.faq_item_id is not None

    @admin.display(description="asked by")
    def asker_links(self, obj: ReaderQuestion) -> str:
        if obj.author_id is None:
            return "(deleted account)"
        questions = reverse("admin:comments_readerquestion_changelist")
        comments = reverse("admin:comments_comment_changelist")
        user = reverse("admin:accounts_user_change", args=[obj.author_id])
        return format_html(
            '<a href="{}">{}</a> ({}) · <a href="{}?author__id__exact={}">their '
            'questions</a> · <a href="{}?author__id__exact={}">their comments</a>',
            user,
            obj.author.email,
            obj.author.public_name,
            questions,
            obj.author_id,
            comments,
            obj.author_id,
        )

    @admin.display(description="answers from readers")
    def answers_link(self, obj: ReaderQuestion) -> str:
        if not (obj.is_featured and obj.article_id):
            return "—"
        url = reverse("comments:question_answers", args=[obj.article_id])
        return format_html('<a href="{}">Answers in the discussion</a>', url)

    @admin.display(description="FAQ entry")
    def faq_link(self, obj: ReaderQuestion) -> str:
        if not obj.faq_item_id:
            return "Not in the FAQ yet."
        return format_html('<a href="{}">See it on the article</a>', obj.faq_url)

    def save_model(self, request, obj, form, change):
        """Editors change the article and the answer here; nothing else."""
        old_article = None
        if change and "article" in form.changed_data:
            old_article = form.initial.get("article")
            if obj.is_featured:
                obj.is_featured = False  # featured on its old article only
                if old_article:
                    transaction.on_commit(lambda: article_changed(old_article))
        super().save_model(request, obj, form, change)

    def _each(self, request, queryset: QuerySet, func, done: str) -> None:
        count = 0
        for question in queryset:
            try:
                func(question=question, editor=request.user)
            except CommentError as error:
                self.message_user(
                    request, f"{question}: {error.message}", messages.ERROR
                )
            else:
                self.log_change(request, question, f"Question {done}.")
                count += 1
        if count:
            self.message_user(request, f"{count} question(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve selected questions", permissions=["change"])
    def approve(self, request, queryset):
        self._each(request, queryset, services.question_approve, "approved")

    @admin.action(description="Reject selected questions", permissions=["change"])
    def reject(self, request, queryset):
        self._each(request, queryset, services.question_reject, "rejected")

    @admin.action(
        description="Feature on its article (replaces the current one)",
        permissions=["change"],
    )
    def feature(self, request, queryset):
        self._each(request, queryset, services.question_feature, "featured")

    @admin.action(description="Stop featuring", permissions=["change"])
    def unfeature(self, request, queryset):
        self._each(request, queryset, services.question_unfeature, "unfeatured")

    @admin.action(
        description="Answer and promote to the article's FAQ", permissions=["change"]
    )
    def promote(self, request, queryset):
        """A confirmation step with the answer and the position, then one write."""
        if queryset.count() != 1:
            self.message_user(request, PROMOTE_ONE, messages.ERROR)
            return None
        question = queryset.select_related("article").get()
        error = None
        if question.faq_item_id is not None:
            error = services.PROMOTE_TWICE
        elif question.article_id is None:
            error = services.PROMOTE_NO_ARTICLE
        elif question.status != ReaderQuestion.Status.APPROVED:
            error = services.PROMOTE_NOT_APPROVED
        if error:
            self.message_user(request, f"{question}: {error}", messages.ERROR)
            return None
        if "apply" in request.POST:
            form = PromoteForm(request.POST)
            if form.is_valid():
                try:
                    faq_item = services.question_promote(
                        question=question,
                        editor=request.user,
                        answer=form.cleaned_data["answer"],
                        position=form.cleaned_data["position"],
                    )
                except CommentError as err:
                    form.add_error(err.field, err.message)
                else:
                    self.log_change(request, question, "Promoted to the FAQ.")
                    position = (
                        FaqItem.objects.filter(
                            article_id=question.article_id,
                            position__lt=faq_item.position,
                        ).count()
                        + 1
                    )
                    self.message_user(
                        request,
                        PROMOTED.format(
                            question=question,
                            article=question.article,
                            position=position,
                        ),
                        messages.SUCCESS,
                    )
                    return None
        else:
            form = PromoteForm(
                initial={
                    "answer": question.answer,
                    "position": services.next_faq_position(question.article_id),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Answer and promote to the FAQ",
            "opts": self.model._meta,
            "question": question,
            "form": form,
            "faq_items": FaqItem.objects.filter(article_id=question.article_id),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/comments/readerquestion/promote.html", context
        )
