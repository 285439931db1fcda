"""Screenshots of what a reader sees, for the README: the front page, the top of an
article, its discussion and the newsletter box, at 390 and 1366 px, light and dark.

    uv run manage.py demo            # in one terminal: the demo on 127.0.0.1:8000
    uv run python docs/make_screenshots.py [--site http://127.0.0.1:8000]

Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) and writes
docs/img/<view>-<width>-<scheme>.png.
"""

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "img"
WIDTHS = {390: 844, 1366: 900}
ARTICLE = "/articles/ukraine-peace-talks-miami/"


def shoot(page, site: str, name: str, width: int, scheme: str) -> Path:
    path = OUT / f"{name}-{width}-{scheme}.png"
    if name == "front":
        page.goto(site + "/")
    elif name == "article":
        page.goto(site + ARTICLE)
    elif name == "discussion":
        page.goto(site + ARTICLE + "#discussion")
    page.wait_for_timeout(300)
    if name == "newsletter":
        page.goto(site + ARTICLE)
        page.locator("#newsletter").screenshot(path=path)
    else:
        page.screenshot(path=path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        for width, height in WIDTHS.items():
            for scheme in ("light", "dark"):
                page = browser.new_page(
                    viewport={"width": width, "height": height}, color_scheme=scheme
                )
                for name in ("front", "article", "discussion", "newsletter"):
                    path = shoot(page, args.site.rstrip("/"), name, width, scheme)
                    sys.stdout.write(f"{path}\n")
                page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
