from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Discussion"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed
        from django.db.models.signals import post_delete, post_save, pre_delete

        from accounts import privacy
        from accounts.signals import public_name_changed

        from . import claims, word_rules
        from . import privacy as discussion_privacy
        from .models import WordRule
        from .questions.services import register_question_privacy

        privacy.register_exporter("comments", discussion_privacy.export_comments)
        privacy.register_exporter("reactions", discussion_privacy.export_reactions)
        privacy.register_exporter("reports", discussion_privacy.export_reports)
        privacy.register_eraser(discussion_privacy.erase_user_discussion)
        register_question_privacy()  # reader questions: export and erasure
        for signal in (post_save, post_delete):
            signal.connect(
                word_rules.rules_changed,
                sender=WordRule,
                dispatch_uid=f"word-rules-{signal is post_save}",
            )
        # Before the delete: the question's link to the entry is cleared after it.
        pre_delete.connect(
            _faq_item_deleted, sender="articles.FaqItem", dispatch_uid="faq-deleted"
        )
        # An imported commenter's comments go to whoever verifies their address.
        email_confirmed.connect(
            claims.claim_on_verified_address, dispatch_uid="discussion-claim"
        )
        public_name_changed.connect(
            _public_name_changed, dispatch_uid="discussion-public-name"
        )


def _faq_item_deleted(sender, instance, **kwargs) -> None:
    from .questions.services import faq_item_deleted

    faq_item_deleted(faq_item_id=instance.pk)


def _public_name_changed(sender, user, **kwargs) -> None:
    """The pages that show the name: every article the user commented on or asked
    about. Their cached copies are refreshed (a cache signal, no business logic)."""
    from articles.cache import articles_changed

    from .models import Comment, ReaderQuestion

    commented = Comment.objects.filter(author=user).values_list("article_id", flat=True)
    asked = ReaderQuestion.objects.filter(author=user, article__isnull=False)
    articles_changed(
        {*commented.distinct(), *asked.values_list("article_id", flat=True).distinct()}
    )
