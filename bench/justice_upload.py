"""Peak memory of a 20 MB evidence upload (issue 13, "Scale"): the file is streamed into private storage and
hashed chunk by chunk, never read whole into memory. Run once, explicitly (not part of `make test`):

    .venv/bin/pytest -q -p no:xdist -s bench/justice_upload.py

It uploads a 20 MB PDF-headed file through the evidence page (Django's multipart parser writes an upload over
2.5 MB to a temporary file) and through the service alone, and prints the peak of Python allocations
(tracemalloc) during each. The test client builds the request body in memory, so the page figure includes that
20 MB body; the service figure is what the server adds on top of the parser's temporary file."""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import login
from karpear.justice import services
from karpear.justice.models import Evidence
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db
SIZE = 20 * 1024 * 1024


def _payload() -> bytes:
    return f.PDF + os.urandom(SIZE - len(f.PDF))


def test_a_20_mb_evidence_upload_is_streamed(users, settings):
    settings.KARPEAR_EVIDENCE_MAX_BYTES = 25 * 1024 * 1024
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    data = _payload()

    upload = TemporaryUploadedFile("big.pdf", "application/pdf", SIZE, None)
    upload.write(data)
    upload.flush()
    del data
    tracemalloc.start()
    started = time.perf_counter()
    evidence = services.evidence_add(actor=lawyer, case=case, data=f.evidence_input(), upload=upload)
    seconds = time.perf_counter() - started
    _current, service_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    upload.close()
    assert evidence.size == SIZE

    client = login(Client(), lawyer)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(_payload())
        handle.flush()
        handle.seek(0)
        tracemalloc.start()
        response = client.post(
            reverse("justice:case_evidence", args=[case.uuid]),
            {
                "evidence-kind": "document",
                "evidence-description": "Scan",
                "evidence-source": "Client",
                "evidence-obtained_on": f.days_ago(1).strftime("%d/%m/%Y"),
                "evidence-file": handle,
            },
        )
        _current, page_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 302 and Evidence.objects.filter(size=SIZE).count() == 2
    print(
        f"\n20 MB evidence upload: service peak {service_peak / 2**20:.2f} MiB in {seconds:.2f} s; "
        f"page (test client, body built in memory) peak {page_peak / 2**20:.2f} MiB"
    )
    assert service_peak < 2 * 2**20  # the service holds a chunk (64 KiB) at a time, not the file
