"""Articles' background work (django-tasks, queued on commit)."""

from django_tasks import task

from . import share_images


@task()
def make_share_images(article_id: int) -> bool:
    """Draw the social card and the three shapes, if what they show changed."""
    return share_images.make_share_images(article_id)
