from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Discussion"

    def ready(self) -> None:
        from .question_services import register_question_privacy

        register_question_privacy()  # reader questions: export and erasure
        from accounts import privacy

        from . import services

        privacy.register_exporter("comments", services.export_comments)
        privacy.register_exporter("reactions", services.export_reactions)
        privacy.register_exporter("reports", services.export_reports)
        privacy.register_eraser(services.erase_user_discussion)
