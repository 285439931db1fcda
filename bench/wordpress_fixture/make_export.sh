#!/usr/bin/env bash
# make_export.sh — regenerate tests/imports/data/wordpress-real.xml, a real WXR
# file written by WordPress's own exporter (export_wp()), for import_wordpress tests.
#
# Usage:  bash bench/wordpress_fixture/make_export.sh [OUT.xml]
#         (OUT defaults to <repo>/tests/imports/data/wordpress-real.xml; a relative OUT is taken from the current directory)
#
# Needs:  Debian 12 as root (or the packages already installed): Debian's
#         `wordpress` package (into /usr/share/wordpress), php-cli, php-mysql and
#         faketime; any missing one is installed with apt-get.  A MariaDB/MySQL
#         server, by default 127.0.0.1:3306 as root without a password; override
#         with WP_FIXTURE_DB_HOST / _PORT / _USER / _PASSWORD / _NAME.  No web
#         server is started: WordPress runs from the PHP command line.
#
# What it does: drops and recreates the database `wp_fixture` (WP_FIXTURE_DB_NAME),
#         runs wp_install() without the default content, creates users, terms,
#         posts, an attachment and comments with WordPress's API (make_export.php),
#         calls export_wp() into OUT, checks OUT, and drops the database again
#         (also on failure).  The clock is frozen at FIXTURE_NOW (libfaketime) so
#         every "now" WordPress writes (post_modified of the trashed post, trash
#         timestamps, the channel's pubDate) is the same on every run: the output is
#         byte-for-byte reproducible for a given WordPress version.
#         Spam: stock export_wp() leaves spam comments out; make_export.php drops
#         that one clause of its comment query so the fixture has one.  Set
#         WP_FIXTURE_STOCK_EXPORT=1 for the unmodified export (comment 7 absent).
#         Idempotent; touches nothing outside the database, a temporary
#         wp-content directory and OUT.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if (($#)); then out="$(realpath -m -- "$1")"; else out="$repo/tests/imports/data/wordpress-real.xml"; fi

FIXTURE_NOW="${FIXTURE_NOW:-2025-03-01 12:00:00}"   # UTC; must be before 2031-06-15 (the scheduled post)
export WP_FIXTURE_DB_NAME="${WP_FIXTURE_DB_NAME:-wp_fixture}"
export WP_FIXTURE_DB_HOST="${WP_FIXTURE_DB_HOST:-127.0.0.1}"
export WP_FIXTURE_DB_PORT="${WP_FIXTURE_DB_PORT:-3306}"
export WP_FIXTURE_DB_USER="${WP_FIXTURE_DB_USER:-root}"
export WP_FIXTURE_DB_PASSWORD="${WP_FIXTURE_DB_PASSWORD:-}"
export WP_FIXTURE_ABSPATH="${WP_FIXTURE_ABSPATH:-/usr/share/wordpress}"

# 1. Packages.
missing=()
for pkg in wordpress php-cli php-mysql faketime; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
libfaketime="$(dpkg -L libfaketime | grep -m1 '/libfaketime\.so\.1$')"

# 2. Scratch wp-content (uploads/themes are never read; keeps /var/lib/wordpress untouched).
export WP_FIXTURE_CONTENT_DIR="$(mktemp -d)"
tmp_out="$(mktemp)"
php() {
    TZ=UTC FAKETIME="$FIXTURE_NOW" LD_PRELOAD="$libfaketime" \
        command php -d display_errors=stderr "$here/make_export.php" "$@"
}
cleanup() {
    php drop-db || echo "warning: could not drop database $WP_FIXTURE_DB_NAME" >&2
    rm -rf "$WP_FIXTURE_CONTENT_DIR" "$tmp_out"
}
trap cleanup EXIT

# 3. Build the site and export it.
php reset-db
php install
php populate
php export "$tmp_out"

# 4. Check: well-formed, WXR 1.2, only example hosts, nothing from this machine.
python3 - "$tmp_out" <<'PY'
import re, sys, xml.dom.minidom
path = sys.argv[1]
xml.dom.minidom.parse(path)
text = open(path, encoding="utf-8").read()
assert "<wp:wxr_version>1.2</wp:wxr_version>" in text, "not WXR 1.2"
import os
needles = ["<wp:comment_approved><![CDATA[0]]>", "<wp:comment_approved><![CDATA[trash]]>",
           "<wp:comment_type><![CDATA[pingback]]>", "<wp:comment_type><![CDATA[trackback]]>"]
if not os.environ.get("WP_FIXTURE_STOCK_EXPORT"):  # stock export_wp() never writes spam
    needles.append("<wp:comment_approved><![CDATA[spam]]>")
for needle in needles:
    assert needle in text, needle
hosts = set(re.findall(r"https?://([^/\s\"'<>\]]+)", text))
allowed = re.compile(r"^(wp\.example\.test|([a-z0-9-]+\.)*example\.(com|org|net)|[a-z.]*\.example|"
                     r"wordpress\.org|purl\.org|wellformedweb\.org|[a-z0-9.]*wordpress\.org)$")
bad = sorted(h for h in hosts if not allowed.match(h))
assert not bad, f"unexpected hosts: {bad}"
import socket
for leak in {socket.gethostname(), "127.0.0.1", "localhost", "/tmp/", "/usr/share/wordpress"}:
    assert leak not in text, f"machine-specific string in export: {leak!r}"
assert len(text.encode()) < 100_000, "export too large"
PY

mkdir -p "$(dirname "$out")"
cp "$tmp_out" "$out"
echo "wrote $out ($(wc -c <"$out") bytes)"
