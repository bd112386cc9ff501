"""The "Is this job offer safe?" check (issue 14, item 2; DOMAIN §5): the signs of deceptive recruitment as data,
and a plain function that says which signs the answers show and what to do about each. Nothing is stored.

Each sign is a yes/no question; `warning_answer` is the answer that is a warning sign (for "Did you get a
written contract?" that is "no").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise  # a lazy translation


@dataclass(frozen=True)
class Sign:
    code: str
    question: Promise
    warning_answer: bool  # the answer that is a warning sign
    why: Promise  # why this is a warning sign
    what_to_do: Promise


SIGNS: tuple[Sign, ...] = (
    Sign(
        "fee",
        _("Does the recruiter ask you to pay a fee, or to borrow money, before you leave?"),
        True,
        _("Traffickers and illegal brokers often ask for money first, and the debt is then used to control you."),
        _("Do not pay. Ask a licensed recruitment agency or the provincial labour department what the real costs are."),
    ),
    Sign(
        "documents_kept",
        _("Does the recruiter or employer want to keep your passport or ID card?"),
        True,
        _("Nobody has the right to keep your passport or ID card. Whoever holds them can stop you from leaving."),
        _("Keep your own documents, and give a copy of them to your family before you go."),
    ),
    Sign(
        "unknown_employer",
        _("Do you know the name and address of the employer you will work for?"),
        False,
        _("If you do not know who you will work for, nobody can check the job, and your family cannot find you."),
        _("Ask for the employer's name, address and phone, and check them with the labour department or an NGO."),
    ),
    Sign(
        "no_contract",
        _("Did you get a written contract before leaving?"),
        False,
        _("Without a written contract you cannot prove what pay, hours and conditions were promised."),
        _("Ask for a written contract before you leave, and keep a copy with your family."),
    ),
    Sign(
        "unreadable_contract",
        _("Is the contract in a language you cannot read?"),
        True,
        _("You cannot agree to conditions you cannot read; some contracts hide debts or lower pay."),
        _("Ask for the contract in Khmer, or have someone you trust read it to you before you sign."),
    ),
    Sign(
        "no_licence",
        _("Is the recruiter a licensed recruitment agency?"),
        False,
        _("Only licensed agencies may send workers abroad legally; with an unlicensed broker nobody answers for you."),
        _("Ask to see the agency's licence and check it with the provincial labour department."),
    ),
    Sign(
        "relative_recruiter",
        _("Is the recruiter a relative, a neighbour or someone you know from the village?"),
        True,
        _("Many people are deceived by someone they trust. Knowing the person does not make the job safe."),
        _("Check the job the same way as any other: contract, licensed agency, employer's name and address."),
    ),
    Sign(
        "too_good",
        _("Is the pay much higher than other people earn for the same work?"),
        True,
        _("A promise that is too good to be true is the most common way to deceive people."),
        _("Ask people who have done this work what it really pays, and ask an NGO or the hotline."),
    ),
    Sign(
        "secret_travel",
        _("Are you told to travel secretly, without a passport, or to cross the border away from the checkpoint?"),
        True,
        _("Crossing without documents makes you an illegal migrant abroad, easy to exploit and to arrest."),
        _("Travel only with your own passport and work visa, through the official border checkpoint."),
    ),
)

SIGN_CODES = tuple(sign.code for sign in SIGNS)


def warning_signs(answers: Mapping[str, bool | None]) -> list[Sign]:
    """The signs the answers show, in the questionnaire's order. A question not answered shows nothing."""
    return [sign for sign in SIGNS if answers.get(sign.code) is sign.warning_answer]


def unanswered(answers: Mapping[str, bool | None]) -> list[Sign]:
    return [sign for sign in SIGNS if answers.get(sign.code) is None]
