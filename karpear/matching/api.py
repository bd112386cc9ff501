"""The matching API under /api/v1/matching/ (issue 16), over the same selectors and services as the pages: a
person's likely matches in the caller's scope (and, about other organisations, only whether a likely match
exists), the pairs waiting for a decision and the decision itself, and the organisation-wide check (start it,
follow its progress, read its clusters). For case supervisors (`review_duplicates`); others get 403.

People appear by their uuid and case number, never by name: the caller reads names through the people API
(audited there). Every check is audited with counts only, decisions as changes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core import services as core_services
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import ExportJob, Person, User
from karpear.core.roles import Capability
from karpear.matching import selectors, services
from karpear.matching.engine import model as engine
from karpear.matching.models import MatchPair

BATCH_KIND = "matching_clusters"


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------- answers
class MatchEvidenceSerializer(serializers.Serializer[Any]):
    """One comparison of the two records: its level and the weight it adds (positive for the same person)."""

    comparison = serializers.ChoiceField(choices=list(engine.COMPARISONS))
    level = serializers.CharField(help_text="e.g. name_exact, name_jw_88, year_1, place_commune, phone_same")
    label = serializers.CharField(help_text="The level in words, in the caller's language")  # type: ignore[assignment]  # a field named like Field.label
    weight = serializers.FloatField(help_text="log2(m/u): positive for the same person, negative against")


def _evidence(items: Any) -> list[dict[str, Any]]:
    out = []
    for item in items:
        comparison, level, weight = (
            (item.comparison, item.level, item.weight) if hasattr(item, "level") else (item[0], item[1], item[2])
        )
        label = str(selectors.EVIDENCE_LABELS.get(level, level))
        out.append({"comparison": comparison, "level": level, "label": label, "weight": float(weight)})
    return out


class MatchPersonSerializer(serializers.Serializer[Any]):
    uuid = serializers.UUIDField()
    case_number = serializers.CharField()


class LikelyMatchSerializer(serializers.Serializer[Any]):
    person = MatchPersonSerializer()
    score = serializers.FloatField(help_text="The match probability, 0 to 1")
    evidence = MatchEvidenceSerializer(many=True)


class PersonMatchesSerializer(serializers.Serializer[Any]):
    person = serializers.UUIDField()
    matches = LikelyMatchSerializer(many=True, help_text="Likely matches in the caller's scope, best first")
    elsewhere = serializers.BooleanField(
        help_text="A likely match exists at another organisation (nothing else is said about it)"
    )


class MatchDecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(
        choices=[MatchPair.Status.SAME.value, MatchPair.Status.DIFFERENT.value],
        help_text="same: the same person (the records are linked, never merged); different: never proposed again",
    )


class MatchCheckRequestSerializer(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=["xlsx", "csv", "json"], default="json")


class MatchCheckSerializer(serializers.Serializer[Any]):
    uuid = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ExportJob.Status.choices)
    done = serializers.IntegerField(source="done_rows")
    total = serializers.IntegerField(source="total_rows")
    percent = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


# ---------------------------------------------------------------- serialising
def _ref(person: Person) -> dict[str, Any]:
    return {"uuid": person.uuid, "case_number": person.case_number}


def _pair(pair: MatchPair) -> dict[str, Any]:
    return {
        "uuid": pair.uuid,
        "person": _ref(pair.person),
        "other": _ref(pair.other),
        "score": pair.score,
        "status": pair.status,
        "source": pair.source,
        "evidence": _evidence(pair.evidence),
        "decided_at": pair.decided_at,
        "created_at": pair.created_at,
    }


class MatchPairSerializer(serializers.Serializer[Any]):
    uuid = serializers.UUIDField()
    person = MatchPersonSerializer()
    other = MatchPersonSerializer()
    score = serializers.FloatField()
    status = serializers.ChoiceField(choices=MatchPair.Status.choices)
    source = serializers.ChoiceField(choices=MatchPair.Source.choices)  # type: ignore[assignment]  # a field named like Field.source
    evidence = MatchEvidenceSerializer(many=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class MatchCheckResultSerializer(MatchCheckSerializer):
    clusters = serializers.ListField(
        child=serializers.ListField(child=MatchPairSerializer()),
        help_text="When done: the pairs waiting for a decision in the caller's scope, grouped into clusters "
        "(records linked by any chain of pairs), largest first; empty before",
    )


def _check(job: ExportJob, user: User) -> dict[str, Any]:
    done = job.status == ExportJob.Status.DONE
    return {
        "uuid": job.uuid,
        "status": job.status,
        "done_rows": job.done_rows,
        "total_rows": job.total_rows,
        "percent": job.percent,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "clusters": [[_pair(p) for p in group] for group in selectors.clusters(user=user)] if done else [],
    }


# ---------------------------------------------------------------- views
class PersonMatchesViewSet(viewsets.ViewSet):
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    @extend_schema(responses=PersonMatchesSerializer)
    @action(detail=True, methods=["get"], url_path="matches")
    def matches(self, request: Request, uuid: str | None = None) -> Response:
        """A person's likely matches in the caller's scope, best first, with score and evidence; about other
        organisations only whether a likely match exists. Nothing is stored (the page's check stores the pairs
        for review). Audited (counts only)."""
        user = _user(request)
        access.require(user, Capability.REVIEW_DUPLICATES)
        person = access.get_for_user(user, Person, uuid or "")
        found = selectors.person_matches(user=user, person=person)
        data = {
            "person": person.uuid,
            "matches": [
                {"person": _ref(m.person), "score": round(m.score, 4), "evidence": _evidence(m.evidence)}
                for m in found.matches
            ],
            "elsewhere": found.elsewhere,
        }
        return Response(PersonMatchesSerializer(data).data)


class MatchPairFilter(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=MatchPair.Status.choices, required=False, help_text="open (the default), same or different"
    )


class PairViewSet(viewsets.GenericViewSet[MatchPair]):
    serializer_class = MatchPairSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[MatchPair]:
        user = _user(self.request)
        access.require(user, Capability.REVIEW_DUPLICATES)
        checked = MatchPairFilter(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        return selectors.pairs_to_review(user=user, status=checked.validated_data.get("status", MatchPair.Status.OPEN))

    @extend_schema(parameters=[MatchPairFilter], responses=MatchPairSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Pairs of people in the caller's scope found likely the same, best first (open ones by default)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([MatchPairSerializer(_pair(p)).data for p in page or []])

    @extend_schema(responses=MatchPairSerializer)
    def retrieve(self, request: Request, uuid: str | None = None) -> Response:
        pair = selectors.pair_for_page(user=_user(request), uuid=uuid or "")
        return Response(MatchPairSerializer(_pair(pair)).data)

    @extend_schema(request=MatchDecisionSerializer, responses=MatchPairSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, uuid: str | None = None) -> Response:
        """Decide: the same person (the records are linked, never merged) or different people (never proposed
        again). Audited. 400 when the pair is already decided."""
        user = _user(request)
        pair = selectors.pair_for_page(user=user, uuid=uuid or "")
        answer = MatchDecisionSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        services.decide(actor=user, pair=pair, decision=answer.validated_data["decision"])
        return Response(MatchPairSerializer(_pair(selectors.pair_for_page(user=user, uuid=pair.uuid))).data)


class CheckViewSet(viewsets.ViewSet):
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    @extend_schema(request=MatchCheckRequestSerializer, responses={201: MatchCheckSerializer})
    def create(self, request: Request) -> Response:
        """Start the organisation-wide check, a background job; follow it at checks/{uuid}/. The report file
        is on the job's page (`/jobs/{uuid}/`); the pairs it finds are stored for review."""
        user = _user(request)
        access.require(user, Capability.REVIEW_DUPLICATES)
        asked = MatchCheckRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        job = core_services.export_request(actor=user, kind=BATCH_KIND, fmt=asked.validated_data["format"])
        return Response(MatchCheckSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MatchCheckResultSerializer)
    def retrieve(self, request: Request, uuid: str | None = None) -> Response:
        """A check's progress; when done, the clusters of pairs waiting for a decision."""
        user = _user(request)
        job = access.get_export_for_user(user, uuid or "")
        if job.kind != BATCH_KIND:
            raise Http404
        return Response(MatchCheckResultSerializer(_check(job, user)).data)


app_name = "matching_api"
router = SimpleRouter()
router.register("people", PersonMatchesViewSet, basename="person")
router.register("pairs", PairViewSet, basename="pair")
router.register("checks", CheckViewSet, basename="check")
urlpatterns = router.urls
