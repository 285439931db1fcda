"""An editor moves a WordPress archive in from the admin, in Chromium: uploads the
export, reads the dry run's report, presses Import; the pages pass axe in light and
dark, and the imported article is live."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.browser.test_moderation import signed_in_page
from tests.comments.moderation.helpers import editor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = Path(__file__).parent.parent / "imports" / "data" / "wordpress-real.xml"


RECORD_CSP = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.sourceFile))"
)


def check_both_schemes(page, axe_check, what: str) -> None:
    # Read before axe runs: its colour checks set inline styles themselves.
    assert page.evaluate("window.__csp") == [], f"CSP violations on {what}"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_timeout(300)  # the admin's links fade to new colours (0.15 s)
        axe_check(page, f"on {what} ({scheme})")


def test_an_editor_uploads_checks_and_imports(
    browser, live_server, axe_check, settings, tmp_path
):
    settings.IMPORTS_ROOT = tmp_path / "imports"
    page = signed_in_page(browser, live_server, editor())
    page.add_init_script(RECORD_CSP)
    page.goto(live_server.url + "/admin/imports/importrun/add/")
    page.get_by_role("heading", name="Add import run").wait_for()
    check_both_schemes(page, axe_check, "the upload form")
    page.get_by_label("Source").select_option("wordpress")
    page.get_by_label("Export file").set_input_files(str(EXPORT))
    page.get_by_role("button", name="Save", exact=True).click()

    # The dry run ran (the test's task backend runs tasks at once, on commit).
    report = page.locator(".import-report")
    expect(report).to_contain_text("Articles: 5 imported, 0 updated, 0 unchanged.")
    assert not Article.objects.exists()
    check_both_schemes(page, axe_check, "the dry run's report")
    page.get_by_role("button", name="Import").click()
    expect(
        page.get_by_text("Importing wordpress-real.xml in the background.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Import report")).to_be_visible()
    check_both_schemes(page, axe_check, "the import's report")
    assert Article.objects.filter(slug="hello-from-wordpress").exists()

    page.goto(live_server.url + "/articles/comments-threaded/")
    expect(page.get_by_text("Олена Коваленко").first).to_be_visible()
