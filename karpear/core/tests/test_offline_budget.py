"""The offline machinery weighs at most 10 KB compressed on a page that uses it, and nothing on the others
(issue 9, item 9; DESIGN §8); the pages load the minified scripts, built from their current sources."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from conftest import login

JS = Path(settings.BASE_DIR) / "static" / "js"
SCRIPTS = ("forms", "offline", "sw")
BUILT = (*SCRIPTS, "ui")  # ui.js: every page with htmx (loading state, no connection, late answers)
BUDGET = 10 * 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def added_to(html: str) -> dict[str, bytes]:
    """What the mechanism adds to a page: its settings and messages, and the hidden inputs of its forms."""
    config = re.search(r'<script id="karpear-forms" type="application/json">.*?</script>', html, re.S)
    inputs = re.findall(r'<input type="hidden" name="_(?:idempotency_key|draft|offline|summary)"[^>]*>', html)
    return {"settings": config.group(0).encode() if config else b"", "inputs": "".join(inputs).encode()}


@pytest.mark.parametrize("name", BUILT)
def test_each_minified_script_is_built_from_its_current_source(name):
    """`make js` writes the source's sha256 at the top of the built file: a changed source needs a new build."""
    source = (JS / f"{name}.js").read_bytes()
    built = (JS / f"{name}.min.js").read_text(encoding="utf-8")
    first_line = built.splitlines()[0]
    assert first_line == f"/*! karpear/static/js/{name}.js sha256:{hashlib.sha256(source).hexdigest()} (make js) */", (
        f"static/js/{name}.min.js is not built from the current {name}.js: run `make js`"
    )


@pytest.mark.django_db
def test_the_offline_register_page_gets_at_most_10_kb_compressed(client, users):
    login(client, users["volunteer"])
    html = client.get("/people/new/").content.decode()
    assert '<script src="/static/js/forms.min.js" defer></script>' in html
    assert '<script src="/static/js/offline.min.js" defer></script>' in html
    parts = {f"{name}.min.js": (JS / f"{name}.min.js").read_bytes() for name in SCRIPTS} | added_to(html)
    sizes = {name: gzipped(data) for name, data in parts.items()}
    print("gzip -9 bytes:", sizes, "total", sum(sizes.values()))  # the figures for docs/offline-forms.md
    assert sum(sizes.values()) <= BUDGET, sizes


@pytest.mark.django_db
def test_a_page_without_a_protected_form_gets_nothing(client, users):
    login(client, users["caseworker"])
    for path in ("/", "/people/", "/programmes/", "/places/"):
        html = client.get(path).content.decode()
        assert added_to(html) == {"settings": b"", "inputs": b""}, path
        # Only ui.min.js, which goes with htmx on every page that loads it (loading state, no connection).
        assert re.findall(r"/static/js/[\w.]+", html) == ["/static/js/ui.min.js"], path


@pytest.mark.django_db
def test_the_offline_page_renders_with_the_production_static_storage(client, users, settings, tmp_path):
    """Production names static files by their hash, from a manifest that knows only real files."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    login(client, users["volunteer"])
    html = client.get("/people/new/").content.decode()
    assert re.search(r'<script src="/static/js/offline\.min\.[0-9a-f]{12}\.js" defer></script>', html)
    assert '"static": "/static/"' in html
