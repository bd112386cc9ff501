"""Peak memory of a 20 MB evidence upload (issue 13, "Scale"): the file is streamed into private storage and
hashed chunk by chunk, never read whole into memory. Run once, explicitly (not part of `make test`):

    .venv/bin/pytest -q -p no:xdist -s bench/justice_upload.py

It uploads a 20 MB PDF-headed file through the service alone, through the evidence page and through the API
(with an Idempotency-Key) with the multipart body read from a file on disk as a server reads it from its socket (the test client would build the
20 MB body in memory first): the whole middleware stack, Django's multipart parser (it writes an upload over 2.5
MB to a temporary file) and the service. It prints the peak of Python allocations (tracemalloc) during each, and
asserts both stay small: the file is never held whole in memory."""

from __future__ import annotations

import os
import resource
import tempfile
import time
import tracemalloc
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, ClientHandler
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

    # Through the page as a server would run it: the multipart body is on disk and read from `wsgi.input` like a
    # socket (the test client would build the 20 MB body in memory first), the whole middleware stack, Django's
    # parser (an upload over 2.5 MB goes to a temporary file) and the service.
    client = login(Client(), lawyer)
    client.get("/")  # the session, the membership and the middleware are set up outside the measure
    fields = {
        "evidence-kind": "document",
        "evidence-description": "Scan",
        "evidence-source": "Client",
        "evidence-obtained_on": f.days_ago(1).strftime("%d/%m/%Y"),
    }
    with tempfile.TemporaryFile() as body:
        length = _multipart_body(body, fields, "evidence-file", "big.pdf")
        body.seek(0)
        environ = client._base_environ(
            REQUEST_METHOD="POST",
            PATH_INFO=reverse("justice:case_evidence", args=[case.uuid]),
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
            CONTENT_LENGTH=str(length),
            **{"wsgi.input": body},
        )
        handler = ClientHandler(enforce_csrf_checks=False)  # as the test client: the CSRF check is not measured
        handler.load_middleware()
        tracemalloc.start()
        started = time.perf_counter()
        response = handler(environ)
        page_seconds = time.perf_counter() - started
        _current, page_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 302, response.content[:500]
    assert Evidence.objects.filter(size=SIZE).count() == 2

    # Through the API (multipart/form-data) with an Idempotency-Key, whose fingerprint reads the file again to
    # hash it: the same parser, then the key's hash and the service, still a chunk at a time.
    api_fields = {
        "case": str(case.uuid),
        "kind": "document",
        "description": "Scan",
        "source": "Client",
        "obtained_on": str(f.days_ago(1)),
    }
    with tempfile.TemporaryFile() as body:
        length = _multipart_body(body, api_fields, "file", "big.pdf")
        body.seek(0)
        environ = client._base_environ(
            REQUEST_METHOD="POST",
            PATH_INFO="/api/v1/justice/evidence/",
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
            CONTENT_LENGTH=str(length),
            HTTP_ACCEPT="application/json",
            HTTP_IDEMPOTENCY_KEY="bench-upload-0001",
            **{"wsgi.input": body},
        )
        tracemalloc.start()
        started = time.perf_counter()
        answer = handler(environ)
        api_seconds = time.perf_counter() - started
        _current, api_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert answer.status_code == 201, answer.content[:500]
    assert Evidence.objects.filter(size=SIZE).count() == 3
    high_water = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"\n20 MB evidence upload: service peak {service_peak / 2**20:.2f} MiB in {seconds:.2f} s; "
        f"page (body read from disk, parser, service) peak {page_peak / 2**20:.2f} MiB in {page_seconds:.2f} s; "
        f"API with an Idempotency-Key peak {api_peak / 2**20:.2f} MiB in {api_seconds:.2f} s; "
        f"the test process's resident high-water mark {high_water:.0f} MiB (Django, the test run and the 20 MB "
        f"payload the test itself builds for the service)"
    )
    assert service_peak < 2 * 2**20  # the service holds a chunk (64 KiB) at a time, not the file
    assert page_peak < 8 * 2**20  # the page neither: the parser's chunks, the page's own objects
    assert api_peak < 8 * 2**20  # nor the API, the key's hash included


def _multipart_body(out: Any, fields: dict[str, str], name: str, filename: str) -> int:
    """Write a multipart/form-data body with `fields` and a SIZE-byte PDF-headed file to `out`, 1 MiB at a time."""
    head = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in fields.items()
    ]
    head.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    out.write("".join(head).encode())
    out.write(f.PDF)
    left = SIZE - len(f.PDF)
    while left:
        chunk = os.urandom(min(left, 2**20))
        out.write(chunk)
        left -= len(chunk)
    out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return int(out.tell())
