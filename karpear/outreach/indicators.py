"""What monitoring may count of outreach (docs/writing-a-module.md): help requests from the public portal, and
the two figures no record holds yet — volunteers trained and people at events — entered by hand."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import Indicator, Records, declare
from karpear.outreach.models import HelpRequest

HELP_REQUESTS_RECEIVED = declare(
    Indicator(
        code="help_requests_received",
        name=_("Help requests received"),
        definition=_("Requests for help sent from the public portal in the period."),
        unit="requests",
        app_label="outreach",
        records=Records(
            queryset=lambda: HelpRequest.objects.all(),
            date="created_at__date",
            province="province",
        ),
        drilldown="outreach:help_request_detail",
    )
)

COMMUNITY_VOLUNTEERS_TRAINED = declare(
    Indicator(
        code="community_volunteers_trained",
        name=_("Community volunteers trained"),
        definition=_("Entered by hand from the training attendance sheets: volunteers who completed the training."),
        unit="people",
        app_label="outreach",
        manual=True,
    )
)

EVENT_PARTICIPANTS = declare(
    Indicator(
        code="event_participants",
        name=_("People at awareness events"),
        definition=_("Entered by hand from the events' head counts: people at Anti-Human-Trafficking Day events."),
        unit="people",
        app_label="outreach",
        manual=True,
    )
)
