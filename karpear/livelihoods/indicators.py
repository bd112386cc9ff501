"""What monitoring may count of savings groups (docs/writing-a-module.md): the groups, their members, the
households of those members and the groups supported (that met) in a period, counted from the records, and the
SAVIX-style ratios of `savix`, computed from one set of facts of the groups under way."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import Indicator, Records, Scope, declare, shared
from karpear.core.models import User
from karpear.livelihoods import savix, selectors
from karpear.livelihoods.models import Cycle, Group, GroupMember, Meeting

SAVINGS_GROUPS_FORMED = declare(
    Indicator(
        code="savings_groups_formed",
        name=_("Savings groups formed"),
        definition=_("Savings groups formed in the period (dissolved groups included)."),
        unit="groups",
        app_label="livelihoods",
        records=Records(
            queryset=lambda: Group.objects.filter(kind=Group.Kind.SAVINGS),
            date="formed_on",
            programme="programme",
            province="province",
        ),
        drilldown="livelihoods:group_detail",
    )
)

SAVINGS_GROUP_MEMBERS = declare(
    Indicator(
        code="savings_group_members",
        name=_("Savings group members"),
        definition=_("People who joined a savings group in the period (each person once, whatever the groups)."),
        unit="people",
        app_label="livelihoods",
        records=Records(
            queryset=lambda: GroupMember.objects.filter(group__kind=Group.Kind.SAVINGS),
            date="joined_on",
            distinct="person",
            programme="group__programme",
            province="group__province",
            person="person",
        ),
    )
)


SAVINGS_GROUP_HOUSEHOLDS = declare(
    Indicator(
        code="savings_group_households",
        name=_("Households in savings groups"),
        definition=_(
            "Households with a member who joined a savings group in the period (each household once, whatever its "
            "members and groups; a member with no household recorded is not counted)."
        ),
        unit="households",
        app_label="livelihoods",
        records=Records(
            queryset=lambda: GroupMember.objects.filter(
                group__kind=Group.Kind.SAVINGS, person__household__isnull=False
            ),
            date="joined_on",
            distinct="person__household",
            programme="group__programme",
            province="group__province",
        ),
        drilldown="livelihoods:member_detail",
    )
)

SAVINGS_GROUPS_SUPPORTED = declare(
    Indicator(
        code="savings_groups_supported",
        name=_("Savings groups supported"),
        definition=_(
            "Savings groups that held a meeting recorded in the period (each group once): the groups the programme "
            "follows while their cycles run."
        ),
        unit="groups",
        app_label="livelihoods",
        records=Records(
            queryset=lambda: Meeting.objects.filter(group__kind=Group.Kind.SAVINGS),
            date="held_on",
            distinct="group",
            programme="group__programme",
            province="group__province",
        ),
        drilldown="livelihoods:meeting_detail",
    )
)


def _facts(user: User, scope: Scope) -> savix.Facts:
    """The SAVIX facts of the savings groups under way in the scope that the viewer may read, summed (ratios from
    the totals, never an average of the groups' ratios). Every SAVIX ratio divides two of these sums, so they are
    computed once for all the ratios of a page or report (core's `indicators.shared`): a period that ends today or
    later reads today's figures kept beside the records (the cycle's sums, the group's members and women, each
    loan's principal owed: three grouped queries); one that ended earlier sums the ledger as it stood then."""

    def compute() -> savix.Facts:
        cycles = Cycle.objects.filter(closed_on__isnull=True, group__kind=Group.Kind.SAVINGS)
        if scope.organisations is not None:
            cycles = cycles.filter(organisation_id__in=scope.organisations)
        if scope.programmes is not None:
            cycles = cycles.filter(group__programme_id__in=scope.programmes)
        return selectors.savix_total(user=user, cycles=cycles, as_of=scope.end)

    return shared(("livelihoods.savix_total", user.pk, scope), compute)


def _savix(code: str) -> Callable[[User, Scope], Decimal | None]:
    """A SAVIX ratio of the savings groups under way in the scope, from the viewer's `_facts`."""

    def compute(user: User, scope: Scope) -> Decimal | None:
        value = savix.value(code, _facts(user, scope))
        return None if value is None else Decimal(value).quantize(Decimal("0.1"))

    return compute


for _code in ("women_pct", "attendance_pct", "dropout_pct", "members_with_loans_pct", "portfolio_at_risk_pct"):
    _definition = savix.BY_CODE[_code]
    declare(
        Indicator(
            code=f"savix_{_code}",
            name=_definition.name,
            definition=_definition.formula,
            unit="percent",
            app_label="livelihoods",
            compute=_savix(_code),
        )
    )
