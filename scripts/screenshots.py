"""Screenshots of a community volunteer's whole flow at 360 px, in Khmer and in English, for a person to look at.

Against a running demo (`make demo`, then in another shell):

    .venv/bin/python scripts/screenshots.py --password <the volunteer's demo password> [--base http://127.0.0.1:8000]

It logs in as the demo's `volunteer`, registers a person in the volunteer's commune, records their consent,
corrects a typo in the name, and lists people, saving one full-page PNG per step in `var/screenshots/`
(km-01-home.png …, en-01-home.png …). Debian's chromium renders the Khmer with the fonts `make install` adds.
It checks nothing: the browser journeys in `e2e/` do that; this is for eyes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

NAMES = [
    ("កែវ សុភាព", "Keo Sopheap"),
    ("ម៉ៅ ស្រីនិច", "Mao Sreynich"),
    ("ឈឹម សុខា", "Chhim Sokha"),
    ("ពៅ ចន្ថា", "Pov Chantha"),
    ("យិន ស្រីលាក់", "Yin Sreyleak"),
    ("ហេង ធីតា", "Heng Thida"),
]


def volunteer_flow(page: Page, base: str, language: str, username: str, password: str, out: Path) -> None:
    step = 0

    def shot(name: str) -> None:
        nonlocal step
        step += 1
        page.screenshot(path=str(out / f"{language}-{step:02d}-{name}.png"), full_page=True)

    page.goto(base + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button").first.click()
    page.wait_for_load_state()
    if language != "km":  # the demo users read Khmer: switch with the header's button, as a user would
        page.locator("header form.lang button").click()
        page.wait_for_load_state()
    shot("home")

    page.goto(base + "/people/new/")
    shot("register-empty")
    name_km, name_latin = random.choice(NAMES)  # noqa: S311 (not a secret: a fresh name, so no duplicate warning)
    page.fill("#id_name_km", name_km)
    page.fill("#id_name_latin", name_latin)
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_year", str(random.randint(1970, 2005)))  # noqa: S311
    villages = page.locator("#id_village option:not([value=''])")  # the picker offers the volunteer's commune
    if villages.count():
        page.select_option("#id_village", villages.first.get_attribute("value"))
        page.wait_for_timeout(800)
    shot("register-filled")
    page.locator("main form > button.primary").click()
    page.wait_for_load_state()
    shot("person-page")
    person_url = page.url.rstrip("/")

    consent = page.locator("section[aria-labelledby=consent-h]")
    consent.locator("summary").click()
    consent.locator("select[name=purpose]").select_option(index=0)
    consent.locator("input[name=given][value=yes]").check()
    consent.locator("input[name=given_by]").fill(name_km)
    shot("consent-form")
    consent.locator("button.primary").click()
    page.wait_for_load_state()
    shot("consent-saved")

    page.goto(person_url + "/edit/")
    shot("edit")
    page.fill("#id_name_latin", name_latin + "a")
    page.locator("main form > button.primary").click()
    page.wait_for_load_state()
    shot("corrected")

    page.goto(base + "/people/")
    shot("people-list")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="volunteer")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", default="var/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for language in ("km", "en"):
            context = browser.new_context(viewport={"width": 360, "height": 800})
            volunteer_flow(context.new_page(), args.base.rstrip("/"), language, args.username, args.password, out)
            context.close()
        browser.close()
    print(f"screenshots in {out}/")


if __name__ == "__main__":
    main()
