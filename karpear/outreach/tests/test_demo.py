"""The outreach part of the demo consortium, loaded through the services, once: a grievance that climbed to the
province and was resolved, an open one made from a help request, CARE's volunteer with an activity log and the
Anti-Trafficking Day event."""

from __future__ import annotations

import pytest

from karpear.core.demo import load_demo
from karpear.outreach import selectors
from karpear.outreach.models import Activity, Grievance, Volunteer

pytestmark = pytest.mark.django_db


def test_the_demo_has_grievances_volunteers_and_events_loaded_once() -> None:
    load_demo()
    load_demo()  # refreshing the demo adds nothing twice

    resolved, still_open = (
        Grievance.objects.get(status=Grievance.Status.RESOLVED),
        Grievance.objects.get(status=Grievance.Status.OPEN),
    )
    assert (resolved.level, resolved.documents_returned, resolved.steps.count()) == (Grievance.Level.PROVINCE, 3, 3)
    assert resolved.outcome_told_on is not None and still_open.help_request is not None
    volunteer = Volunteer.objects.get(user__username="volunteer")
    assert (
        volunteer.organisation.short_name == "care"
        and Volunteer.objects.filter(organisation=volunteer.organisation).count() == 3
    )
    assert Volunteer.objects.filter(organisation__short_name="cwpd", trained_on__isnull=False).count() == 4
    log = selectors.reach(selectors.activities(user=volunteer.user))
    assert (log.activities, log.households_visited, log.grievances_referred) == (3, 12, 1)
    event = Activity.objects.get(kind=Activity.Kind.EVENT, organisation__short_name="care")
    assert event.participants == 900 and event.counted_by_sex == 800
    assert Activity.objects.get(kind=Activity.Kind.EVENT, organisation__short_name="cwpd").participants == 600
