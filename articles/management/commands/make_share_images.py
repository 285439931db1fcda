from django.core.management.base import BaseCommand

from articles.models import Article
from articles.share_images import make_share_images


class Command(BaseCommand):
    help = (
        "Draw the social card and the 16×9, 4×3 and 1×1 pictures of every published "
        "article that lacks them, or whose pictures show an old headline or were "
        "drawn in another face than the one static/fonts/ now holds (new articles "
        "get theirs from a task when saved). After a change of face every card is "
        "drawn again, and articles with a photograph re-encode its sizes once."
    )

    def handle(self, *args, **options):
        made = sum(
            make_share_images(pk)
            for pk in Article.objects.published().values_list("pk", flat=True)
        )
        self.stdout.write(f"Share pictures: {made} articles drawn.")
