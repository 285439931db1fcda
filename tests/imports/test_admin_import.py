"""The admin's imports, as an editor uses them: upload, read the dry run's report,
press Import, watch the progress, keep the report. Bad files are named, with
nothing written."""

from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article
from comments.models import Comment
from imports.models import ImportRun
from imports.runs import progress
from tests.comments.moderation.helpers import editor

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


@pytest.fixture
def signed_in_editor(client, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.IMPORTS_ROOT = tmp_path / "imports"
    client.force_login(editor())
    return client


def upload(client, path: Path, committed, **fields):
    data = {
        "source": "wordpress",
        "section_from": "categories",
        "upload": SimpleUploadedFile(path.name, path.read_bytes()),
        **fields,
    }
    with committed(execute=True):  # the dry run's task, queued on commit
        return client.post(reverse("admin:imports_importrun_add"), data)


def test_an_editor_uploads_reads_the_dry_run_then_imports(
    signed_in_editor, django_capture_on_commit_callbacks, tmp_path
):
    client = signed_in_editor
    response = upload(
        client, DATA / "wordpress.xml", django_capture_on_commit_callbacks
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.status == ImportRun.Status.CHECKED
    assert not Article.objects.exists()  # a dry run writes nothing
    assert (tmp_path / "imports").exists()  # kept outside MEDIA_ROOT
    page = client.get(reverse("admin:imports_importrun_change", args=[run.pk]))
    text = page.content.decode()
    assert "Dry run report: what an import would do" in text
    assert "Articles: 2 imported, 0 updated, 0 unchanged." in text
    assert ">Import</button>" in text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:imports_importrun_start", args=[run.pk]), follow=True
        )
    assert "Importing wordpress.xml in the background." in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.finished_at
    assert Article.objects.count() == 2
    page = client.get(reverse("admin:imports_importrun_change", args=[run.pk]))
    text = page.content.decode()
    assert "Import report" in text and ">Import</button>" not in text
    assert progress(run) == (6, 6)  # every item of the file read

    # Pressing Import again (an old tab) does not import twice.
    response = client.post(
        reverse("admin:imports_importrun_start", args=[run.pk]), follow=True
    )
    assert "cannot be imported now" in response.content.decode()


def test_a_disqus_upload_uses_the_link_prefixes(
    signed_in_editor, django_capture_on_commit_callbacks
):
    call_command("import_wordpress", str(DATA / "wordpress.xml"), stdout=None)
    client = signed_in_editor
    upload(
        client,
        DATA / "disqus.xml",
        django_capture_on_commit_callbacks,
        source="disqus",
        maps="http://blog.old.example.com/posts/=https://news.example.com/articles/",
    )
    run = ImportRun.objects.get()
    assert run.options["maps"] == [
        ["http://blog.old.example.com/posts/", "https://news.example.com/articles/"]
    ]
    assert "Threads: 2 matched an article" in run.dry_run_report
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:imports_importrun_start", args=[run.pk]))
    assert Comment.objects.filter(status=Comment.Status.APPROVED).exists()


def test_the_progress_bar_while_it_runs(signed_in_editor):
    run = ImportRun.objects.create(
        source="disqus",
        upload="exports/big.xml",
        file_name="big.xml",
        status=ImportRun.Status.IMPORTING,
    )
    caches["imports"].set(f"import-run:{run.pk}:progress", (300, 1200))
    fragment = signed_in_editor.get(
        reverse("admin:imports_importrun_progress", args=[run.pk]),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert '<progress id="import-progress-bar" max="1200" value="300">' in fragment
    assert "300 of 1200 comments read" in fragment
    assert 'hx-trigger="every 2s"' in fragment  # polls while it runs


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("export.txt", b"hello", "is not an XML file"),
        ("empty.xml", b"", "is empty"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_next_to_the_field(
    signed_in_editor, django_capture_on_commit_callbacks, name, content, message
):
    response = signed_in_editor.post(
        reverse("admin:imports_importrun_add"),
        {
            "source": "wordpress",
            "section_from": "categories",
            "upload": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_bad_link_prefixes_are_named_by_line(signed_in_editor):
    response = signed_in_editor.post(
        reverse("admin:imports_importrun_add"),
        {
            "source": "disqus",
            "section_from": "categories",
            "upload": SimpleUploadedFile("d.xml", (DATA / "disqus.xml").read_bytes()),
            "maps": "https://a.example/=https://b.example/\nno-equals-here",
        },
    )
    text = response.content.decode()
    assert "Line 2 (“no-equals-here”): write old_url_prefix=new_url_prefix" in text
    assert "https://a.example/=https://b.example/" in text  # what was typed stays


def test_a_malformed_file_fails_its_dry_run_naming_the_file_and_line(
    signed_in_editor, django_capture_on_commit_callbacks, tmp_path
):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b'<?xml version="1.0"?>\n<rss>\n<channel>\n<item></channel>')
    upload(signed_in_editor, broken, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.error.startswith("broken.xml:4:") and "not well-formed" in run.error
    page = signed_in_editor.get(
        reverse("admin:imports_importrun_change", args=[run.pk])
    ).content.decode()
    assert "The file cannot be imported: broken.xml:4:" in page
    assert ">Import</button>" not in page and not Article.objects.exists()


def test_the_upload_is_deleted_once_the_import_is_done(
    signed_in_editor, django_capture_on_commit_callbacks, tmp_path
):
    """The file holds commenters' addresses: it is kept only until it is used."""
    upload(signed_in_editor, DATA / "wordpress.xml", django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    stored = Path(run.upload.path)
    assert stored.exists()  # kept for the Import button
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_editor.post(reverse("admin:imports_importrun_start", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.report
    assert not stored.exists()


def test_an_unexpected_failure_ends_the_run_with_a_message(
    signed_in_editor, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """A bug in an importer (here: one that raises) must not leave the run
    "in progress" for ever, polling."""
    from imports import runs

    class Broken:
        def run(self, *args, **kwargs):
            raise RuntimeError("a bug")

    monkeypatch.setattr(runs, "importer", lambda run: Broken())
    upload(signed_in_editor, DATA / "wordpress.xml", django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "something unexpected went wrong and nothing was imported" in run.error
    assert "Import run" in caplog.text and "a bug" in caplog.text
    assert not Path(run.upload.path).exists()  # the addresses do not linger
