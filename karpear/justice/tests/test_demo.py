"""The justice part of the demo consortium: ADHOC's case from CCPCR's referral to a Supreme Court judgment with
compensation, loaded through the services, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from karpear.core.demo import load_demo
from karpear.justice.models import Cost, Evidence, Hearing, LegalCase, Verdict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("articles")]


def test_the_demo_runs_adhocs_case_from_referral_to_the_supreme_court_once(settings, tmp_path):
    load_demo()
    load_demo()  # refreshing the demo adds nothing twice

    cases = list(LegalCase.objects.filter(organisation__short_name="adhoc").order_by("opened_on"))
    assert len(cases) == 2
    court_case = cases[0]
    assert court_case.referral is not None and court_case.referral.organisation.short_name == "ccpcr"
    assert court_case.status == "judgment"
    assert list(Hearing.objects.filter(case=court_case).order_by("held_on").values_list("level", flat=True)) == [
        "provincial",
        "appeal",
        "supreme",
    ]
    verdict = Verdict.objects.get(case=court_case)
    assert (verdict.level, verdict.compensation_ordered, verdict.compensation_received) == (
        "supreme",
        Decimal("12000"),
        Decimal("4000"),
    )
    assert Evidence.objects.get(case=court_case).sha256
    assert Cost.objects.filter(case=court_case).count() == 2
    assert cases[1].status == "investigation"


def test_the_demos_repatriation_ends_in_a_protection_intake_and_a_case_is_escalated():
    from karpear.core import referrals
    from karpear.core.models import User
    from karpear.justice.models import AdvocacyAction, CaseStudy, Escalation, Handover

    load_demo()
    load_demo()

    handover = Handover.objects.select_related("referral__receiver", "repatriation").get()
    assert handover.repatriation.status == "arrived"
    referral = handover.referral
    assert (referral.receiver.short_name, referral.status, referral.assigned_to.username) == (
        "ccpcr",
        "accepted",
        "caseworker",
    )
    lawyer = User.objects.get(username="lawyer")
    (told,) = referrals.records_from(user=lawyer, referrals=[referral])[referral.pk]
    assert (told.label, told.url) == ("Protection intake registered by CCPCR", "")  # no number, no link for ADHOC
    (seen,) = referrals.records_from(user=referral.assigned_to, referrals=[referral])[referral.pk]
    assert seen.url.startswith("/protection/cases/")

    escalation = Escalation.objects.get()
    assert escalation.responded_on is not None and escalation.responded_by.username == "adhocsup"
    assert AdvocacyAction.objects.count() == 1
    assert [study.for_donor_reports for study in CaseStudy.objects.all()] == [True]
