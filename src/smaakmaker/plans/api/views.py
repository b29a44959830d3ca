# SPDX-License-Identifier: EUPL-1.2
"""Plans API: approaches, their interventions and warnings, the catalogue and scheduler runs.

Address-level interventions are shown in full only as ``PlanIntervention.objects.visible_to`` allows
(others: a coarse flag at addresses the register shows, else left out; 404 for one object), and every
read of them is audited, exactly as on the pages.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.access.audit import origin_of
from smaakmaker.access.models import Organisation
from smaakmaker.api.pagination import Pages, paged, paged_response
from smaakmaker.api.problems import Conflict
from smaakmaker.api.schema import conflict
from smaakmaker.cases.models import Address
from smaakmaker.plans import selectors, services
from smaakmaker.plans.api import serializers as s
from smaakmaker.plans.models import InterventionType, SchedulerRun

TAGS = ["plans"]


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise exceptions.PermissionDenied()


class PlansView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, services.PlanForbidden):
            exc = exceptions.NotFound()
        elif isinstance(exc, services.PlanConflict):
            exc = Conflict({exc.field: [ErrorDetail(exc.message, code=exc.code)]})
        elif isinstance(exc, services.PlanError):
            exc = exceptions.ValidationError({exc.field: [ErrorDetail(exc.message, code=exc.code)]})
        return super().handle_exception(exc)

    def approach(self, request, uuid):
        _need(request, selectors.VIEW_PERMISSION)
        approach = selectors.approach_get(user=request.user, uuid=uuid)
        if approach is None:
            raise exceptions.NotFound()
        return approach

    def valid(self, serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class CatalogueView(PlansView):
    @extend_schema(
        summary="The intervention catalogue",
        description="A short fixed catalogue: not paged.",
        responses=s.InterventionTypeSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        _need(request, "plans.view_interventiontype")
        return Response(s.InterventionTypeSerializer(selectors.catalogue(), many=True).data)


class ApproachListView(PlansView):
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="Area approaches", operation_id="plans_list", responses=paged(s.ApproachSerializer), tags=TAGS
    )
    def get(self, request):
        _need(request, selectors.VIEW_PERMISSION)
        rows = selectors.approaches_visible(user=request.user).prefetch_related("partner_rows__organisation")
        return paged_response(request, rows, s.ApproachSerializer)


class ApproachDetailView(PlansView):
    @extend_schema(summary="One area approach", responses=s.ApproachSerializer, tags=TAGS)
    def get(self, request, uuid):
        return Response(s.ApproachSerializer(self.approach(request, uuid)).data)


def _plan_page(request, approach, items, serializer_class, kind: str) -> Response:
    """One page of the plan's interventions or flags; only that page is logged as read."""
    pager = Pages()
    rows = pager.paginate_queryset(items, request)
    selectors.plan_page_read(user=request.user, approach=approach, origin=origin_of(request), **{kind: rows})
    return pager.get_paginated_response(serializer_class(rows, many=True).data)


class InterventionListView(PlansView):
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="The plan's interventions this user may see",
        operation_id="plans_interventions_list",
        description="Address-level interventions appear only for addresses the covenant lets the user see; "
        "the read of the page answered is audited.",
        responses=paged(s.PlanInterventionSerializer),
        tags=TAGS,
    )
    def get(self, request, uuid):
        approach = self.approach(request, uuid)
        view = selectors.plan_view(user=request.user, approach=approach, audit=False)
        return _plan_page(
            request, approach, view.interventions, s.PlanInterventionSerializer, "interventions"
        )

    @extend_schema(
        summary="Add an intervention to the plan",
        request=s.InterventionCreateSerializer,
        responses={201: s.PlanInterventionSerializer},
        tags=TAGS,
    )
    def post(self, request, uuid):
        approach = self.approach(request, uuid)
        _need(request, "plans.add_planintervention")
        data = self.valid(s.InterventionCreateSerializer, request.data)
        kind = InterventionType.objects.filter(code=data["intervention_type"], is_active=True).first()
        if kind is None:
            raise exceptions.ValidationError({"intervention_type": ["Unknown intervention type."]})
        owner = Organisation.objects.filter(uuid=data["owner"]).first()
        if owner is None:
            raise exceptions.ValidationError({"owner": ["Unknown organisation."]})
        coordinator = None
        if data["coordinator"]:
            coordinator = Organisation.objects.filter(uuid=data["coordinator"]).first()
            if coordinator is None:
                raise exceptions.ValidationError({"coordinator": ["Unknown organisation."]})
        address = None
        if data["address"]:
            address = Address.objects.visible_one(request.user, uuid=data["address"])
            if address is None:
                raise exceptions.ValidationError({"address": ["Unknown address."]})
        iv = services.intervention_add(
            actor=request.user,
            approach=approach,
            intervention_type=kind,
            owner=owner,
            level=data["level"],
            street=data["street"],
            complex=data["complex"],
            address=address,
            start_week=data["start_week"],
            duration_weeks=data["duration_weeks"],
            degree=data["degree"],
            coordinator=coordinator,
            exit_criteria=data["exit_criteria"],
            title=data["title"],
            origin=origin_of(request),
        )
        return Response(s.PlanInterventionSerializer(iv).data, status=status.HTTP_201_CREATED)


class InterventionFlagListView(PlansView):
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="Address-level interventions this user may not see in full, as coarse flags",
        operation_id="plans_intervention_flags_list",
        description="At addresses the register shows the caller: the compartment, the responsible partner "
        "and the start week; never type, legal instrument, degree or text. Audited as a read of those "
        "addresses without their activities.",
        responses=paged(s.InterventionFlagSerializer),
        tags=TAGS,
    )
    def get(self, request, uuid):
        approach = self.approach(request, uuid)
        view = selectors.plan_view(user=request.user, approach=approach, audit=False)
        return _plan_page(request, approach, view.flags, s.InterventionFlagSerializer, "flags")


class InterventionStatusView(PlansView):
    @extend_schema(
        summary="Change the status of an intervention",
        description="The regisseur changes any; a partner professional only their own organisation's.",
        request=s.StatusChangeSerializer,
        responses={
            200: s.PlanInterventionSerializer,
            409: conflict(
                "the intervention's status does not allow this change (`status`, code `transition`), or "
                "it has no start week yet (code `no_start_week`)."
            ),
        },
        tags=TAGS,
    )
    def post(self, request, uuid, ref):
        approach = self.approach(request, uuid)
        # Visibility first: a hidden intervention answers 404 whatever the body holds.
        iv = selectors.intervention_for_user(user=request.user, approach=approach, ref=ref)
        if iv is None:
            raise exceptions.NotFound()
        data = self.valid(s.StatusChangeSerializer, request.data)
        if not services.may_change_status(request.user, iv):
            raise exceptions.PermissionDenied()
        iv = services.intervention_status_change(
            actor=request.user,
            intervention=iv,
            to_status=data["status"],
            note=data["note"],
            origin=origin_of(request),
        )
        return Response(s.PlanInterventionSerializer(iv).data)


class WarningsView(PlansView):
    @extend_schema(
        summary="Coherence warnings of the plan",
        description="Warnings about addresses the user may not see keep their rule and severity but lose "
        "their message (`redacted`).",
        responses=s.WarningsSerializer,
        tags=TAGS,
    )
    def get(self, request, uuid):
        approach = self.approach(request, uuid)
        view = selectors.plan_view(user=request.user, approach=approach, origin=origin_of(request))
        data = {
            "simultaneous_weeks": view.simultaneity.simultaneous_weeks,
            "active_weeks": view.simultaneity.active_weeks,
            "hidden_interventions": view.hidden_total,
            "warnings": [w.__dict__ for w in view.warnings],
        }
        return Response(s.WarningsSerializer(data).data)


RUN_WITH_STARTS = inline_serializer(
    "SchedulerRunWithStarts",
    fields={
        "run": s.RunSerializer(),
        "proposed_starts": serializers.DictField(child=serializers.IntegerField()),
    },
)


def _full_refs(request, approach) -> set[str]:
    return {iv.ref for iv in selectors.interventions_for_user(user=request.user, approach=approach)}


def _run_data(request, approach, run: SchedulerRun) -> dict:
    return s.RunSerializer(run, context={"full_refs": _full_refs(request, approach)}).data


def _run_payload(request, approach, run: SchedulerRun) -> dict:
    visible = _full_refs(request, approach)
    return {
        "run": s.RunSerializer(run, context={"full_refs": visible}).data,
        "proposed_starts": {ref: w for ref, w in run.proposed_starts.items() if ref in visible},
    }


class RunCreateView(PlansView):
    @extend_schema(
        summary="Ask the scheduler for a proposal (runs in the background)",
        request=s.RunCreateSerializer,
        responses={
            202: s.RunSerializer,
            409: conflict("a run of this plan is still going (`run`, code `busy`)."),
        },
        tags=TAGS,
    )
    def post(self, request, uuid):
        approach = self.approach(request, uuid)
        _need(request, services.RUN_PERMISSION)
        data = self.valid(s.RunCreateSerializer, request.data)
        run = services.run_create(actor=request.user, approach=approach, time_limit_s=data["time_limit_s"])
        services.run_start_background(run=run)
        run.refresh_from_db()
        return Response(_run_data(request, approach, run), status=status.HTTP_202_ACCEPTED)


class RunDetailView(PlansView):
    @extend_schema(summary="A scheduler run and its proposal", responses=RUN_WITH_STARTS, tags=TAGS)
    def get(self, request, uuid, run_uuid):
        approach = self.approach(request, uuid)
        _need(request, "plans.view_schedulerrun")
        run = services.run_get(approach=approach, uuid=run_uuid)
        if run is None:
            raise exceptions.NotFound()
        return Response(_run_payload(request, approach, run))


class RunDecisionView(PlansView):
    @extend_schema(
        summary="Accept or reject a proposal",
        description="Accepting writes the proposed start weeks as append-only revisions (audited).",
        request=s.RunDecisionSerializer,
        responses={
            200: s.RunSerializer,
            409: conflict(
                "the proposal was decided already or is still running (`run`, code `state`), or the plan "
                "changed since it was made (code `stale`): ask for a new proposal."
            ),
        },
        tags=TAGS,
    )
    def post(self, request, uuid, run_uuid):
        approach = self.approach(request, uuid)
        _need(request, services.DECIDE_PERMISSION)
        run = services.run_get(approach=approach, uuid=run_uuid)
        if run is None:
            raise exceptions.NotFound()
        data = self.valid(s.RunDecisionSerializer, request.data)
        if data["decision"] == "accept":
            services.run_accept(actor=request.user, run=run, note=data["note"], origin=origin_of(request))
        else:
            services.run_reject(actor=request.user, run=run, note=data["note"], origin=origin_of(request))
        run.refresh_from_db()
        return Response(_run_data(request, approach, run))
