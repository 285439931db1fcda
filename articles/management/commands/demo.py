"""manage.py demo: migrate, load the demo content, print the logins, serve the site.

Safe to run again: content that exists is left as it is, and the demo accounts keep
the passwords generated the first time (kept in var/demo-logins.json, which is not
committed). The task worker runs beside the web server, so emails (printed to the
console) go out in the background as they would in production.
"""

import json
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.importer import import_article_files

DEMO_CONTENT = Path(__file__).resolve().parents[2] / "demo"
LOGINS_FILE = settings.BASE_DIR / "var" / "demo-logins.json"

# Later features add their demo data through this list of "app.module.function".
DEMO_LOADERS: list[str] = []


def demo_accounts() -> list[dict]:
    """The demo accounts, with passwords generated once and kept in var/."""
    accounts = [
        {
            "role": "Editor (superuser)",
            "email": "editor@example.com",
            "display_name": "Demo Editor",
            "superuser": True,
        },
    ]
    saved = json.loads(LOGINS_FILE.read_text()) if LOGINS_FILE.exists() else {}
    for account in accounts:
        account["password"] = saved.get(account["email"]) or secrets.token_urlsafe(12)
    LOGINS_FILE.parent.mkdir(exist_ok=True)
    LOGINS_FILE.write_text(json.dumps({a["email"]: a["password"] for a in accounts}))
    LOGINS_FILE.chmod(0o600)
    return accounts


def ensure_demo_accounts() -> list[dict]:
    User = get_user_model()
    accounts = demo_accounts()
    for account in accounts:
        user = User.objects.filter(email__iexact=account["email"]).first()
        if user is None:
            user = User(
                email=account["email"],
                display_name=account["display_name"],
                is_staff=account.get("superuser", False) or account.get("staff", False),
                is_superuser=account.get("superuser", False),
            )
            user.set_password(account["password"])
            user.save()
    return accounts


class Command(BaseCommand):
    help = "Set up the demo site (idempotent) and serve it on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up only; do not start servers."
        )

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "The demo prints passwords and serves with runserver: run it with "
                "DEBUG on (the default when DEBUG is unset)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        result = import_article_files(sorted(DEMO_CONTENT.glob("*.md")), only_new=True)
        if result.errors:
            raise CommandError("\n".join(str(error) for error in result.errors))
        self.stdout.write(
            f"Demo articles: {len(result.created)} created, "
            f"{len(result.skipped)} already there."
        )
        accounts = ensure_demo_accounts()
        from django.utils.module_loading import import_string

        for loader in DEMO_LOADERS:
            import_string(loader)(stdout=self.stdout)

        self.stdout.write(
            self.style.SUCCESS("\nDemo logins (sign in at /accounts/login/):")
        )
        for account in accounts:
            self.stdout.write(
                f"  {account['role']:<22} {account['email']:<28} {account['password']}"
            )
        self.stdout.write(f"  Admin: http://{addrport}/admin/\n")
        if no_serve:
            return
        self.serve(addrport)

    def serve(self, addrport: str) -> None:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload"],
            cwd=settings.BASE_DIR,
        )
        self.stdout.write(f"Task worker started (pid {worker.pid}).")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
