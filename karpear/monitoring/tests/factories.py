"""A small consortium for monitoring's tests, set up through core's services (STYLE §2.6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from conftest import make_org, make_user
from karpear.core.models import Organisation, Programme, SubGrant, Target, User
from karpear.core.roles import Role
from karpear.core.tests.factories import OTHER_COMMUNE, place, register


@dataclass
class Consortium:
    prime: Organisation  # manages the programme
    partner: Organisation  # holds a sub-grant
    outsider: Organisation  # takes no part
    donor: Organisation
    programme: Programme
    subgrant: SubGrant
    caseworker: User  # prime
    partner_caseworker: User
    me: User  # prime's M&E officer
    partner_me: User
    manager: User  # the donor's programme manager


def consortium() -> Consortium:
    prime, partner, outsider = make_org("prime"), make_org("partner"), make_org("outsider")
    donor = make_org("funder", kind=Organisation.Kind.DONOR)
    programme = Programme.objects.create(
        organisation=prime,
        donor=donor,
        code="ctp",
        name="Counter-trafficking programme",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2030, 12, 31),
    )
    subgrant = SubGrant.objects.create(
        organisation=partner,
        programme=programme,
        reference="CTP-SG-01",
        start_date=programme.start_date,
        end_date=programme.end_date,
    )
    return Consortium(
        prime=prime,
        partner=partner,
        outsider=outsider,
        donor=donor,
        programme=programme,
        subgrant=subgrant,
        caseworker=make_user(prime, Role.CASEWORKER),
        partner_caseworker=make_user(partner, Role.CASEWORKER),
        me=make_user(prime, Role.ME_OFFICER),
        partner_me=make_user(partner, Role.ME_OFFICER),
        manager=make_user(donor, Role.PROGRAMME_MANAGER),
    )


def people(actor: User, sexes_and_years: list[tuple[str, int]], *, commune: str | None = None) -> None:
    for index, (sex, year) in enumerate(sexes_and_years):
        register(
            actor,
            sex=sex,
            birth_year=year,
            name_latin=f"Person {actor.pk}-{index}",
            place=place(commune) if commune else place(),
        )


def target(c: Consortium, indicator: str, value: int, *, subgrant: SubGrant | None = None) -> Target:
    return Target.objects.create(
        programme=c.programme,
        subgrant=subgrant,
        indicator=indicator,
        description=f"{indicator} target",
        value=value,
        unit="people",
    )


__all__ = ["OTHER_COMMUNE", "Consortium", "consortium", "people", "target"]
