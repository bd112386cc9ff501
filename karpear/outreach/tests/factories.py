"""Builders for the outreach tests: a help desk, a help request sent through the service, a valid form post."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

from django.core import signing

from karpear.core.models import Organisation
from karpear.outreach import services
from karpear.outreach.forms import TIMER_SALT
from karpear.outreach.models import HelpDesk, HelpRequest


def desk(organisation: Organisation, *, default: bool = True, provinces: tuple[str, ...] = ()) -> HelpDesk:
    made = HelpDesk.objects.create(organisation=organisation, is_default=default)
    if provinces:
        made.provinces.set(provinces)
    return made


def help_request(key: str | None = None, **data: Any) -> services.Submitted:
    values: dict[str, Any] = {"about": HelpRequest.About.MYSELF, "message": "A broker kept my passport."}
    values.update(data)
    return services.help_request_submit(key=key or services.new_form_key(), data=services.HelpRequestInput(**values))


def started(seconds_ago: int = 30) -> str:
    """The form's signed start time, as if the form had been opened `seconds_ago`."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - seconds_ago):
        return signing.TimestampSigner(salt=TIMER_SALT).sign("1")


def form_post(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "about": "self",
        "message": "My employer in Thailand keeps my passport.",
        "anonymous": "on",
        "started": started(),
        "key": services.new_form_key(),
        "website": "",
    }
    data.update(fields)
    return data
