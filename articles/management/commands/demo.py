"""manage.py demo: migrate, load the demo content, print the logins, serve the site.

Safe to run again: content that exists is left as it is, and the demo accounts keep
the passwords generated the first time (kept in var/demo-logins.json, which is not
committed). The task worker runs beside the web server, so emails (printed to the
console) go out in the background as they would in production.

Links the site writes (canonical URLs, structured data, robots.txt, every email)
name SITE_URL. Unless that variable is set, the demo serves both processes with
SITE_URL taken from --addrport, so `demo --addrport 127.0.0.1:8400` links to :8400.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.importer import import_article_files

DEMO_CONTENT = Path(__file__).resolve().parents[2] / "demo"
LOGINS_FILE = settings.BASE_DIR / "var" / "demo-logins.json"


def demo_password(email: str) -> str:
    """The demo account's password: generated once, then kept in var/."""
    saved = json.loads(LOGINS_FILE.read_text()) if LOGINS_FILE.exists() else {}
    if email not in saved:
        saved[email] = secrets.token_urlsafe(12)
        LOGINS_FILE.parent.mkdir(exist_ok=True)
        LOGINS_FILE.write_text(json.dumps(saved, indent=1))
        LOGINS_FILE.chmod(0o600)
    return saved[email]


def ensure_demo_user(*, email: str, display_name: str, role: str, **fields) -> dict:
    """Create the demo account if missing (never changes an existing one).

    Returns the login to print. Apps' demo_data modules call this for their accounts.
    """
    User = get_user_model()
    password = demo_password(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, display_name=display_name, **fields)
        user.set_password(password)
        user.save()
    return {"role": role, "email": email, "password": password, "user": user}


def run_app_demo_loaders(stdout) -> list[dict]:
    """Call load(stdout=…) in each project app's demo_data module, in app order.

    Each returns the logins it wants printed (a list of ensure_demo_user results).
    """
    logins = []
    for app in apps.get_app_configs():
        if not (settings.BASE_DIR / app.label).is_dir():
            continue
        try:
            module = import_module(f"{app.name}.demo_data")
        except ModuleNotFoundError as error:
            if error.name != f"{app.name}.demo_data":
                raise
            continue
        logins.extend(module.load(stdout=stdout) or [])
    return logins


def site_url_for(addrport: str) -> str:
    """The base URL readers use for a runserver address ("8400", "0.0.0.0:8400",
    "[::1]:8400"…). A wildcard address is reached through the loopback one."""
    host, _, port = addrport.rpartition(":")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}.get(host, host)  # noqa: S104
    return f"http://{host}:{port}"


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
        call_command("make_share_images", stdout=self.stdout)
        accounts = [
            ensure_demo_user(
                email="editor@example.com",
                display_name="Demo Editor",
                role="Editor (superuser)",
                is_staff=True,
                is_superuser=True,
            ),
            *run_app_demo_loaders(self.stdout),
        ]
        self.stdout.write(
            self.style.SUCCESS("\nDemo logins (sign in at /accounts/login/):")
        )
        for account in accounts:
            self.stdout.write(
                f"  {account['role']:<22} {account['email']:<28} {account['password']}"
            )
        site_url = (
            settings.SITE_URL if settings.SITE_URL_SET else site_url_for(addrport)
        )
        self.stdout.write(f"  Site:  {site_url}/\n  Admin: {site_url}/admin/\n")
        if no_serve:
            return
        self.serve(addrport, site_url)

    def serve(self, addrport: str, site_url: str) -> None:
        """runserver and a task worker, both with SITE_URL naming where we serve."""
        environment = {**os.environ, "SITE_URL": site_url}
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload"],
            cwd=settings.BASE_DIR,
            env=environment,
        )
        self.stdout.write(f"Task worker started (pid {worker.pid}).")
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", addrport, "--noreload"],
            cwd=settings.BASE_DIR,
            env=environment,
        )

        def stop(signum, frame):
            raise SystemExit(0)

        # Stopped by a supervisor or `timeout` (SIGTERM) as well as by Ctrl-C: the
        # worker and the server go down with the command either way.
        signal.signal(signal.SIGTERM, stop)
        try:
            server.wait()
        finally:
            for process in (server, worker):
                process.terminate()
            for process in (server, worker):
                process.wait(timeout=10)
