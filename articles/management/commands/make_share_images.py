from django.core.management.base import BaseCommand

from articles.models import Article
from articles.share_images import make_share_images


class Command(BaseCommand):
    help = (
        "Draw the social card and the 16×9, 4×3 and 1×1 pictures of every published "
        "article that lacks them or shows an old headline (new articles get theirs "
        "from a task when saved)."
    )

    def handle(self, *args, **options):
        made = sum(
            make_share_images(pk)
            for pk in Article.objects.published().values_list("pk", flat=True)
        )
        self.stdout.write(f"Share pictures: {made} articles drawn.")
