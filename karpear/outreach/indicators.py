"""What monitoring may count of outreach (docs/writing-a-module.md): help requests from the public portal,
volunteers trained (from the volunteer records) and people at events (the head counts of the event records,
added up)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import Indicator, Records, declare
from karpear.outreach.models import Activity, HelpRequest, Volunteer

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
        definition=_("Volunteers whose training ended in the period (the date trained on their record), each once."),
        unit="people",
        app_label="outreach",
        records=Records(
            queryset=lambda: Volunteer.objects.filter(trained_on__isnull=False),
            date="trained_on",
        ),
        drilldown="outreach:volunteer_detail",
    )
)

EVENT_PARTICIPANTS = declare(
    Indicator(
        code="event_participants",
        name=_("People at awareness events"),
        definition=_(
            "People at events (such as Anti-Human-Trafficking Day) held in the period: the head counts recorded "
            "for each event, added up."
        ),
        unit="people",
        app_label="outreach",
        records=Records(
            queryset=lambda: Activity.objects.filter(kind=Activity.Kind.EVENT),
            date="held_on",
            province="province",
            summed="participants",
        ),
        drilldown="outreach:activity_detail",
    )
)
