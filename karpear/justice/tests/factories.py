"""Test helpers for justice: state is set up through the services, so set-up obeys the app's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from karpear.core.models import User
from karpear.core.tests.factories import person_input
from karpear.justice import services
from karpear.justice.models import LegalCase

# The smallest valid files of each kind: magic bytes are what the type check reads.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def case(actor: User, *, opened: int = 30, **person: Any) -> LegalCase:
    """A legal case opened `opened` days ago by `actor` (a legal officer or supervisor), for a new client."""
    return services.case_open(
        actor=actor,
        client=person_input(**person),
        data=services.CaseInput(title="Forced labour on a fishing boat", opened_on=days_ago(opened)),
    )


def evidence_input(**fields: Any) -> services.EvidenceInput:
    defaults: dict[str, Any] = {
        "kind": "document",
        "description": "Employment contract",
        "source": "The client",
        "obtained_on": days_ago(10),
    }
    defaults.update(fields)
    return services.EvidenceInput(**defaults)
