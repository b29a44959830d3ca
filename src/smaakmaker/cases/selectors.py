# SPDX-License-Identifier: EUPL-1.2
"""Reads of the register. Every read of personal data checks visibility (``visible_to``) and writes an
audit record plus processing-log records, with the purpose given by the user, in the same transaction
as the read: the data leave the selector only after that transaction committed, so nothing is shown
that is not logged, and a read whose log cannot be written fails as a whole.

(The chain lock of the logs is taken by the audit write at the end of the transaction, so concurrent
reads overlap until their last few statements. On SQLite every transaction is IMMEDIATE, i.e. holds
the write lock from its start; the embedded default is meant for one organisation's machine.)
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from smaakmaker.access.audit import Origin, Processing, Result, audit_record, records_for_subject
from smaakmaker.access.models import Compartment
from smaakmaker.access.policies import (
    area_covers,
    covenant_areas,
    custom_areas_each,
    is_custom_area_code,
    policy_snapshot,
)
from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.cases import alerts, workflow
from smaakmaker.cases.errors import NotPermitted, NotVisible, PurposeMissing
from smaakmaker.cases.models import (
    ADDRESS_SHOWN,
    Address,
    AddressCustomArea,
    AlertRule,
    Case,
    CaseEvent,
    CaseParticipant,
    Decision,
    Resident,
    Signal,
    SignalKind,
)
from smaakmaker.cases.querysets import area_q
from smaakmaker.common.compiled import CompiledQuery, Slot, plans
from smaakmaker.common.snapshots import SnapshotCache

MIN_PURPOSE_LENGTH = 3
FLAG_LABELS = {
    Compartment.ZORG: gettext_noop("Care signal present"),
    Compartment.POLITIE: gettext_noop("Police information present"),
    Compartment.CORPORATIE: gettext_noop("Housing corporation information present"),
    Compartment.ALGEMEEN: gettext_noop("Signal of another partner present"),
}


def purpose_check(purpose: str | None) -> str:
    purpose = (purpose or "").strip()
    if len(purpose) < MIN_PURPOSE_LENGTH:
        raise PurposeMissing(
            _("State the purpose of this read of personal data."), field="purpose", code="required"
        )
    return purpose[:500]


def register_required(user, *permissions: str) -> None:
    """Only roles with the register see its lists, searches and agenda: any of ``permissions`` opens the
    door (the covenant's grants decide what is behind it); without one the answer is 403, never an empty
    list that looks like "nothing here"."""
    policy_snapshot(user)  # fills the permission caches: ``has_perm`` needs no query
    if not any(user.has_perm(permission) for permission in permissions):
        raise NotPermitted(_("Your role has no access to the address register."))


def flag_labels(compartments: list[str]) -> list[dict[str, str]]:
    return [
        {"compartment": c, "label": _(FLAG_LABELS.get(c, gettext_noop("Information present")))}
        for c in compartments
    ]


def _denied(
    *,
    user,
    action: str,
    object_type: str,
    object_id: str,
    purpose: str | None,
    origin: Origin | None,
    exists: bool,
):
    """Log an attempt to read something that is not visible to the user (``exists``: result ``denied``)
    or does not exist (``not_found``), in the caller's transaction, with no processing-log record:
    nothing was shown. The caller gets the same answer either way (404)."""
    audit_record(
        actor=user,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        result=Result.DENIED if exists else Result.NOT_FOUND,
        reason=(purpose or "").strip()[:500],
        origin=origin,
    )


def _address_processing(address: Address, activity_codes: set[str], residents=()) -> list[Processing]:
    items = [
        Processing(activity_code=code, subject_type="address", subject_id=str(address.uuid))
        for code in sorted(activity_codes)
    ]
    items += [
        Processing(activity_code=r.activity.code, subject_type="resident", subject_id=str(r.uuid))
        for r in residents
    ]
    return items


def rules_published() -> list[alerts.Rule]:
    rules = _compiled(None, ("rules",), lambda: CompiledQuery(AlertRule.objects.filter(is_published=True)))
    return [
        alerts.Rule(
            code=r.code,
            name=r.name,
            min_signals=r.min_signals,
            min_partners=r.min_partners,
            window_days=r.window_days,
            compartments=tuple(r.compartments or ()),
            action=r.action,
        )
        for r in rules.run()
    ]


# --- Compiled reads ---------------------------------------------------------------------------------
# The dossier and the case list run the same few visibility-filtered queries for every address and
# buurt: they are built and compiled once per combination of what decides their SQL (the user's
# covenant grants and register permissions, see ``querysets.grant_filter``) and run with the address
# or buurt as a parameter (``common.compiled``). The visibility rule stays ``visible_to``: these are its
# querysets, compiled.

_COMPILED = SnapshotCache(max_entries=2_000, seconds=3_600)
#: the permissions ``visible_to`` asks (``has_perm``) for the register's models
_VISIBILITY_PERMISSIONS = ("cases.view_signal", "cases.view_address", "cases.view_case")
_ADDRESS_ID = Slot(-7_301_113_001, Address._meta.pk)
_ADDRESS_UUID = Slot(
    uuid_module.UUID("00000000-0000-4000-8000-7301113001ff"), Address._meta.get_field("uuid")
)


def _compiled(user, shape: tuple, build) -> CompiledQuery:
    """The compiled query for ``shape`` as ``user`` sees it (built by ``build`` the first time)."""
    if user is None:
        decides = ()
    else:
        snapshot = policy_snapshot(user)
        decides = (
            user.is_authenticated,
            snapshot.grants,
            tuple(user.has_perm(p) for p in _VISIBILITY_PERMISSIONS),
        )
    key = (shape, connection.alias, connection.vendor, decides)
    query = _COMPILED.get(key)
    if query is None:
        query = build()
        _COMPILED.put(key, query)
    return query


def _participants_attach(cases: list[Case]) -> None:
    """Each case's participating organisations (``case.participant_names``) for all ``cases`` in one
    query of names, not instances: one compiled query per number of cases."""
    if not cases:
        return
    names = [f"case{i}" for i in range(len(cases))]

    def build() -> CompiledQuery:
        slots = {name: Slot(-7_301_113_100 - i, Case._meta.pk) for i, name in enumerate(names)}
        return CompiledQuery(
            CaseParticipant.objects.filter(case_id__in=[slot.sentinel for slot in slots.values()])
            .order_by()
            .values_list("case_id", "organisation__name"),
            **slots,
        )

    query = _compiled(None, ("participants", len(cases)), build)
    found: dict[int, list[str]] = {case.pk: [] for case in cases}
    for case_id, organisation in query.run(
        **{name: case.pk for name, case in zip(names, cases, strict=True)}
    ):
        found[case_id].append(organisation)
    for case in cases:
        case.participant_names = sorted(found[case.pk])  # as the model's property sorts them


def _address_slot(name: str, field_name: str) -> Slot:
    """A slot for an address field of a search (a text no BAG value can be, or a negative number)."""
    model_field = Address._meta.get_field(field_name)
    sentinel = (
        -7_301_113_000 - len(name)
        if model_field.get_internal_type().endswith("IntegerField")
        else f"~{name}~"
    )
    return Slot(sentinel, model_field)


def _facts(signals) -> list[alerts.Fact]:
    return [
        alerts.Fact(
            signal_id=s.pk,
            kind=s.kind.label,
            organisation_id=s.source_organisation_id,
            organisation=s.source_organisation.name,
            observed_on=s.observed_on,
            compartment=s.activity.compartment,
        )
        for s in signals
    ]


@dataclass
class Dossier:
    address: Address
    residents: list[Resident]
    signals: list[Signal]
    hidden_compartments: list[dict[str, str]]
    cases: list[Case]
    decisions: list[Decision]
    events: list[CaseEvent]
    alerts: list[alerts.Alert] = field(default_factory=list)

    @property
    def timeline(self) -> list[dict]:
        items = [
            {"date": s.observed_on, "type": "signal", "flavour": s.kind.flavour, "object": s}
            for s in self.signals
        ]
        items += [
            {"date": d.decided_on, "type": "decision", "flavour": d.flavour, "object": d}
            for d in self.decisions
        ]
        return sorted(items, key=lambda item: item["date"], reverse=True)


def _dossier_queries(user) -> dict[str, CompiledQuery]:
    """The dossier's reads as ``user`` sees them: ``visible_to`` per model, for one address."""
    a = _ADDRESS_ID.sentinel
    return {
        "signals": CompiledQuery(
            Signal.objects.visible_to(user)
            .filter(address_id=a)
            .select_related("kind", "activity", "source_organisation", "resident"),
            address=_ADDRESS_ID,
        ),
        "residents": CompiledQuery(
            Resident.objects.visible_to(user).filter(address_id=a).select_related("activity"),
            address=_ADDRESS_ID,
        ),
        "cases": CompiledQuery(
            Case.objects.visible_to(user)
            .filter(address_id=a)
            .select_related("regie_organisation", "activity"),
            address=_ADDRESS_ID,
        ),
        # Decisions and events of the visible cases at the address (``visible_to`` keeps to them).
        "decisions": CompiledQuery(
            Decision.objects.visible_to(user)
            .filter(case__address_id=a)
            .select_related("decided_by", "organisation", "activity", "case"),
            address=_ADDRESS_ID,
        ),
        "events": CompiledQuery(
            CaseEvent.objects.visible_to(user).filter(case__address_id=a).select_related("actor"),
            address=_ADDRESS_ID,
        ),
        "hidden": CompiledQuery(Signal.objects.hidden_compartments(user, address_id=a), address=_ADDRESS_ID),
    }


def _dossier_read(user, uuid) -> tuple[bool, Dossier | None]:
    """Whether the address exists, and its visible contents (None when it is absent or not visible)."""
    by_uuid = _compiled(
        None,
        ("address",),
        lambda: CompiledQuery(Address.objects.filter(uuid=_ADDRESS_UUID.sentinel), uuid=_ADDRESS_UUID),
    )
    found = by_uuid.run(uuid=uuid)
    if not found:
        return False, None
    address = found[0]
    queries = _compiled(user, ("dossier",), lambda: _dossier_queries(user))
    signals = queries["signals"].run(address=address.pk)
    residents = queries["residents"].run(address=address.pk)
    cases = queries["cases"].run(address=address.pk)
    if not Address.objects.visible_through(signals, residents, cases):
        return True, None
    decisions, events = [], []
    if cases:
        for case in cases:
            case.address = address
        _participants_attach(cases)
        decisions = queries["decisions"].run(address=address.pk)
        events = queries["events"].run(address=address.pk)
    hidden = sorted(row[0] for row in queries["hidden"].run(address=address.pk))
    return True, Dossier(
        address=address,
        residents=residents,
        signals=signals,
        hidden_compartments=flag_labels(hidden),
        cases=cases,
        decisions=decisions,
        events=events,
        alerts=alerts.evaluate_all(rules_published(), _facts(signals), today=timezone.localdate()),
    )


def address_open_check(*, user, uuid, origin: Origin | None = None) -> None:
    """Before the purpose is asked: raise NotVisible (404) when the address is not visible to the user,
    and log the attempt (``address.read.denied``), whether the address exists or not."""
    with transaction.atomic():
        if Address.objects.visible_one(user, uuid=uuid) is not None:
            return
        _denied(
            user=user,
            action="address.read.denied",
            object_type="cases.address",
            object_id=uuid,
            purpose="",
            origin=origin,
            exists=Address.objects.filter(uuid=uuid).exists(),
        )
    raise NotVisible(uuid)


def address_dossier(*, user, uuid, purpose: str | None, origin: Origin | None = None) -> Dossier:
    """The need-to-know picture of one address; raises NotVisible (404) and PurposeMissing (400).

    Visibility is decided first: an address that is not visible answers NotVisible whatever the purpose,
    and the attempt is logged (``address.read.denied``) without a processing-log record.
    """
    started = timezone.now()
    with transaction.atomic():
        plans("generic")  # one address: the same plan whichever (common.compiled.plans)
        exists, dossier = _dossier_read(user, uuid)
        if dossier is None:
            _denied(
                user=user,
                action="address.read.denied",
                object_type="cases.address",
                object_id=uuid,
                purpose=purpose,
                origin=origin,
                exists=exists,
            )
        else:
            purpose = purpose_check(purpose)
            codes = (
                {s.activity.code for s in dossier.signals}
                | {c.activity.code for c in dossier.cases}
                | {d.activity.code for d in dossier.decisions}
            )
            audit_record(
                actor=user,
                action="address.read",
                obj=dossier.address,
                reason=purpose,
                origin=origin,
                processing=_address_processing(dossier.address, codes or {"-"}, dossier.residents),
                started=started,
            )
    if dossier is None:
        raise NotVisible(uuid)
    return dossier


_CASE_FILTER_SLOTS = {
    # By the case's own copy of its address's buurt (kept by triggers, migration cases/0007): one index
    # holds a buurt's cases, where probing every address of the buurt read ~20 addresses per case. The
    # address's buurt is compared as well (it is joined anyway), so a list never holds a case of another
    # buurt, whatever the copy says.
    "buurt": ("buurt", Slot("~buurt~", Address._meta.get_field("buurt_code"))),
    "status": ("status", Slot("~status~", Case._meta.get_field("status"))),
    # A drawn (or unknown) custom area: its code is a parameter, so every such code shares one compiled
    # query (a code in the cache key would let a user evict everyone's queries by naming many codes).
    "eigen": ("eigen", Slot("~eigen~", AddressCustomArea._meta.get_field("area_code"))),
}


#: what a listed case shows (``CaseSerializer``, the case list page) and its audit needs; any other field
#: is deferred (read on access, which the statement count of the register's tests would show)
_LISTED = (
    "uuid",
    "created",
    "status",
    "summary",
    "closed_at",
    "address",
    "activity",
    "regie_organisation",
    "activity__code",
    "regie_organisation__name",
    *(f"address__{name}" for name in ADDRESS_SHOWN),
)


def _case_list_queries(
    user, names: list[str], limit: int, offset: int, union: tuple[str, ...] | None = None
) -> dict[str, CompiledQuery]:
    """One page of the visible cases filtered on ``names`` (``_CASE_FILTER_SLOTS`` or an address field)
    and on a union of whole buurten (``union``: its members' prefixes, ``_custom_area_terms``, part of the
    SQL: no slot), with the number of matches, and the participants of the page's cases."""
    qs = Case.objects.visible_to(user)
    if union is not None:
        qs = qs.filter(_custom_area_q((union, ()), "address__"))
    slots = {}
    for name in names:
        lookup, slot = _CASE_FILTER_SLOTS.get(name) or (f"address__{name}", _address_slot(name, name))
        if lookup == "buurt":
            qs = qs.filter(buurt_code=slot.sentinel, address__buurt_code=slot.sentinel)
        elif lookup == "eigen":
            qs = qs.filter(_custom_area_q(((), (slot.sentinel,)), "address__"))
        else:
            qs = qs.filter(**{lookup: slot.sentinel})
        slots[name] = slot
    ordered = qs.order_by("-created", "-id")
    rows = (
        ordered.select_related("address", "regie_organisation", "activity")
        .only(*_LISTED)
        .annotate(listed_total=Window(Count("pk")))
    )
    return {
        "page": CompiledQuery(rows[offset : offset + limit], **slots),
        "count": CompiledQuery(qs, count=True, **slots),
    }


def cases_list(
    *,
    user,
    purpose: str | None,
    origin: Origin | None = None,
    buurt_code: str = "",
    status: str = "",
    address_filter: dict | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """Visible cases, filtered; one audit record and a processing-log record per address shown."""
    register_required(user, "cases.view_case")
    purpose = purpose_check(purpose)
    started = timezone.now()
    values, union = {}, None
    if is_custom_area_code(buurt_code):
        prefixes, drawn = _custom_area_terms(buurt_code)
        if drawn:  # drawn or unknown: the code is a parameter, one compiled query for every such code
            values["eigen"] = buurt_code
        else:  # a union of whole buurten: its members' prefixes are in the SQL
            union = prefixes
    elif buurt_code:
        values["buurt"] = buurt_code
    if status:
        values["status"] = status
    values.update({key: value for key, value in (address_filter or {}).items() if value not in (None, "")})
    # a union's member prefixes are in the SQL, so in the shape (a union whose members change compiles
    # anew); the number of unions is that of the areas the register holds, not of codes a user can name
    shape = ("case.list", tuple(sorted(values)), union, limit, offset)
    queries = _compiled(user, shape, lambda: _case_list_queries(user, sorted(values), limit, offset, union))
    with transaction.atomic():
        plans("generic")  # one buurt: the same plan whichever (common.compiled.plans)
        page = queries["page"].run(**values)
        # The page's rows carry the number of matches (a window count); past the last page, count them.
        total = page[0].listed_total if page else queries["count"].run(**values)
        _participants_attach(page)
        audit_record(
            actor=user,
            action="case.list",
            object_type="cases.case",
            object_id=f"{len(page)}/{total}",
            reason=purpose,
            origin=origin,
            processing=[
                Processing(
                    activity_code=c.activity.code, subject_type="address", subject_id=str(c.address.uuid)
                )
                for c in page
            ],
            started=started,
        )
    return page, total


def case_detail(*, user, uuid, purpose: str | None, origin: Origin | None = None) -> tuple[Case, list, list]:
    """One visible case; visibility first (NotVisible, logged as ``case.read.denied``), then the purpose."""
    with transaction.atomic():
        case = (
            Case.objects.visible_to(user)
            .filter(uuid=uuid)
            .select_related("address", "regie_organisation", "activity")
            .first()
        )
        if case is None:
            _denied(
                user=user,
                action="case.read.denied",
                object_type="cases.case",
                object_id=uuid,
                purpose=purpose,
                origin=origin,
                exists=Case.objects.filter(uuid=uuid).exists(),
            )
        else:
            purpose = purpose_check(purpose)
            decisions = list(
                Decision.objects.visible_to(user)
                .filter(case=case)
                .select_related("activity", "decided_by", "organisation")
            )
            events = list(CaseEvent.objects.filter(case=case).select_related("actor"))
            codes = {case.activity.code} | {d.activity.code for d in decisions}
            audit_record(
                actor=user,
                action="case.read",
                obj=case,
                reason=purpose,
                origin=origin,
                processing=_address_processing(case.address, codes),
            )
    if case is None:
        raise NotVisible(uuid)
    return case, decisions, events


def addresses_search(
    *, user, purpose: str | None, origin: Origin | None = None, limit: int = 50, **filters
) -> list[Address]:
    """Search visible addresses by BAG id, postcode and house number, or buurt code (POST only): the
    first ``limit`` matches."""
    return addresses_search_page(user=user, purpose=purpose, origin=origin, limit=limit, **filters)[0]


def _custom_area_terms(code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a custom area's code (``EG0001``) covers as a filter, exactly what a covenant naming it covers
    (``access.policies.covenant_areas``): ``(buurt-code prefixes, drawn custom areas)``. A union of whole
    buurten (wijken, gemeenten) gives its members' prefixes, so it finds what naming them finds; a drawn
    area gives its code (the addresses stored inside its boundary); an unknown one finds nothing."""
    return covenant_areas([code])


def _custom_area_q(terms: tuple[tuple[str, ...], tuple[str, ...]], address_path: str) -> Q:
    """``_custom_area_terms`` as a filter on the rows whose address (``address_path``: "" for addresses,
    "address__" for rows with an address) lies in the area."""
    prefixes, drawn = terms
    address_field = f"{address_path.removesuffix('__')}_id" if address_path else "pk"
    return area_q(prefixes, f"{address_path}buurt_code", drawn, address_field)


def _area_filter(code: str, address_path: str) -> Q:
    """The filter on an address's area: its buurt code, or a custom area's code (``EG0001``,
    ``_custom_area_terms``). Every area filter of the register (case list, agenda, searches) takes this."""
    if is_custom_area_code(code):
        return _custom_area_q(_custom_area_terms(code), address_path)
    return Q(**{f"{address_path}buurt_code": code})


def addresses_search_page(
    *, user, purpose: str | None, origin: Origin | None = None, limit: int = 50, offset: int = 0, **filters
) -> tuple[list[Address], int]:
    """One page of the search: the matches from ``offset`` on, at most ``limit``, and how many match in
    all; only the page is audited (it is what is shown)."""
    register_required(user, "cases.view_address")
    purpose = purpose_check(purpose)
    qs = Address.objects.visible_to(user)
    for key in ("bag_nummeraanduiding_id", "postcode", "house_number", "buurt_code"):
        value = filters.get(key)
        if value not in (None, ""):
            qs = qs.filter(_area_filter(value, "") if key == "buurt_code" else Q(**{key: value}))
    for key in ("house_letter", "house_number_addition"):  # 5A, 12-2 (BAG keeps them apart)
        value = filters.get(key)
        if value:
            qs = qs.filter(**{f"{key}__iexact": value})
    with transaction.atomic():
        total = qs.count()
        found = list(qs.order_by("postcode", "house_number", "id")[offset : offset + limit])
        audit_record(
            actor=user,
            action="address.search",
            object_type="cases.address",
            object_id=str(len(found)),
            reason=purpose,
            origin=origin,
            processing=[
                Processing(activity_code="-", subject_type="address", subject_id=str(a.uuid)) for a in found
            ],
        )
    return found, total


@dataclass
class AgendaItem:
    address: Address
    alerts: list[alerts.Alert]
    cases: list[Case]


def agenda(
    *,
    user,
    purpose: str | None,
    origin: Origin | None = None,
    buurt_code: str = "",
    today: date | None = None,
) -> list[AgendaItem]:
    """The casusoverleg agenda: addresses where a published rule fires, and cases marked to discuss."""
    return agenda_page(user=user, purpose=purpose, origin=origin, buurt_code=buurt_code, today=today)[0]


def _agenda_address_ids(*, user, buurt_code: str, today: date):
    """The addresses on the agenda (a rule fires on their visible signals, or a visible case is marked
    to discuss), with what put them there."""
    rules = rules_published()
    window = max((r.window_days for r in rules), default=0)
    signals = Signal.objects.visible_to(user).filter(observed_on__gt=today - timezone.timedelta(days=window))
    cases = (
        Case.objects.visible_to(user)
        .filter(status=workflow.TO_DISCUSS)
        .select_related("address", "regie_organisation")
    )
    if buurt_code:
        in_area = _area_filter(buurt_code, "address__")  # signals and cases both name their address
        signals = signals.filter(in_area)
        cases = cases.filter(in_area)
    by_address: dict[int, list[Signal]] = {}
    for signal in signals.select_related("kind", "activity", "source_organisation"):
        by_address.setdefault(signal.address_id, []).append(signal)
    fired = {aid: alerts.evaluate_all(rules, _facts(sigs), today=today) for aid, sigs in by_address.items()}
    address_ids = {aid for aid, found in fired.items() if found}
    case_list = list(cases)
    address_ids |= {c.address_id for c in case_list}
    return address_ids, fired, case_list


@dataclass(frozen=True)
class RegisterCounts:
    open_cases: int
    agenda_items: int


def register_counts(*, user, today: date | None = None) -> RegisterCounts | None:
    """How many open cases and agenda items the user may see (numbers only: nothing of a person is read
    or shown, so nothing is audited); None without the register."""
    if not all(user.has_perm(p) for p in ("cases.view_case", "cases.view_signal")):
        return None
    today = today or timezone.localdate()
    open_cases = Case.objects.visible_to(user).exclude(status=workflow.CLOSED).count()
    address_ids, _fired, _cases = _agenda_address_ids(user=user, buurt_code="", today=today)
    return RegisterCounts(open_cases=open_cases, agenda_items=len(address_ids))


@transaction.atomic
def agenda_page(
    *,
    user,
    purpose: str | None,
    origin: Origin | None = None,
    buurt_code: str = "",
    today: date | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[AgendaItem], int]:
    """The agenda items from ``offset`` on (at most ``limit``; all when None) and how many there are;
    only the items returned are audited."""
    register_required(user, "cases.view_signal", "cases.view_case")
    purpose = purpose_check(purpose)
    today = today or timezone.localdate()
    address_ids, fired, case_list = _agenda_address_ids(user=user, buurt_code=buurt_code, today=today)
    items: dict[int, AgendaItem] = {}
    addresses = {a.pk: a for a in Address.objects.filter(pk__in=address_ids)}
    ordered = sorted(address_ids, key=lambda pk: (addresses[pk].label, pk))
    for aid in ordered[offset : None if limit is None else offset + limit]:
        items[aid] = AgendaItem(
            address=addresses[aid],
            alerts=fired.get(aid, []),
            cases=[c for c in case_list if c.address_id == aid],
        )
    audit_record(
        actor=user,
        action="agenda.read",
        object_type="cases.agenda",
        object_id=buurt_code,
        reason=purpose,
        origin=origin,
        processing=[
            Processing(activity_code="-", subject_type="address", subject_id=str(item.address.uuid))
            for item in items.values()
        ],
    )
    return list(items.values()), len(ordered)


def signal_kinds() -> QuerySet[SignalKind]:
    return SignalKind.objects.filter(is_active=True).select_related("activity")


def buurt_codes_visible(*, user) -> list[str]:
    """Buurt codes of the user's visible cases (not personal data: used for the area filter)."""
    return sorted(set(Case.objects.visible_to(user).values_list("address__buurt_code", flat=True)))


def custom_area_codes_visible(*, user) -> list[str]:
    """The custom areas that hold an address of a visible case (the case list's filter offers them beside
    the buurten): a drawn one by the addresses stored inside its boundary, a union of whole buurten by its
    members' buurten (``_custom_area_terms``)."""
    visible = Case.objects.visible_to(user)
    codes = set(
        AddressCustomArea.objects.filter(address_id__in=visible.values("address_id")).values_list(
            "area_code", flat=True
        )
    )
    unions = list(
        Area.objects.filter(level=AreaLevel.CUSTOM, geometry__isnull=True).values_list("code", flat=True)
    )
    if unions:
        buurten = set(visible.values_list("address__buurt_code", flat=True))
        # every union's members in one query (as ``_custom_area_terms`` resolves one code)
        for code, (prefixes, _drawn) in custom_areas_each(unions).items():
            if any(area_covers(prefixes, buurt) for buurt in buurten):
                codes.add(code)
    return sorted(codes)


# --- Inzage (AVG art. 15) -----------------------------------------------------------------------


@transaction.atomic
def inzage_export(
    *, user, purpose: str | None, origin: Origin | None = None, address_uuid=None, resident_uuid=None
) -> dict:
    """Everything about one data subject (a resident) or one address: data, sources, recipients and
    the processing log; never data about co-residents. Only for users with ``cases.export_inzage``."""
    purpose = purpose_check(purpose)
    if not user.has_perm("cases.export_inzage"):
        raise NotVisible("inzage")
    resident = None
    if resident_uuid:
        resident = (
            Resident.objects.filter(uuid=resident_uuid)
            .select_related("address", "activity", "source_organisation")
            .first()
        )
        if resident is None:
            raise NotVisible(resident_uuid)
        address = resident.address
    else:
        address = Address.objects.filter(uuid=address_uuid).first() if address_uuid else None
        if address is None:
            raise NotVisible(address_uuid)
    # Address-level data (no resident) belong to whoever lives there; resident data only to that resident.
    signals = Signal.objects.filter(address=address).select_related("kind", "activity", "source_organisation")
    signals = (
        signals.filter(resident__isnull=True) | signals.filter(resident=resident)
        if resident
        else signals.filter(resident__isnull=True)
    )
    cases = (
        Case.objects.filter(address=address)
        .select_related("activity", "regie_organisation")
        .prefetch_related("participations__organisation")
    )
    activities = {}

    def _activity(activity):
        activities[activity.code] = {
            "code": activity.code,
            "name": activity.name,
            "purpose": activity.purpose,
            "avg_ground": activity.avg_ground,
            "legal_basis": activity.legal_basis,
            "retention_days": activity.retention_days,
            "recipients": sorted(
                {f"{g.organisation_kind}/{g.role.name}" for g in activity.grants.select_related("role")}
            ),
        }
        return activity.code

    data = {
        "generated": timezone.now().isoformat(),
        "subject": {"type": "resident", "id": str(resident.uuid)}
        if resident
        else {"type": "address", "id": str(address.uuid)},
        "address": {
            "bag_nummeraanduiding_id": address.bag_nummeraanduiding_id,
            "label": address.label,
            "buurt_code": address.buurt_code,
        },
        "resident": (
            {
                "name": resident.name,
                "description": resident.description,
                "activity": _activity(resident.activity),
                "source": resident.source_organisation.name,
                "recorded": resident.created.isoformat(),
            }
            if resident
            else None
        ),
        "signals": [
            {
                "kind": s.kind.label,
                "date": s.observed_on.isoformat(),
                "description": s.description,
                "source": s.source_organisation.name,
                "activity": _activity(s.activity),
                "about_you_personally": s.resident_id is not None,
            }
            for s in signals.distinct()
        ],
        "cases": [
            {
                "status": c.status,
                "opened": c.created.isoformat(),
                "summary": c.summary,
                "coordinator": c.regie_organisation.name,
                "participants": c.participant_names,
                "activity": _activity(c.activity),
                "decisions": [
                    {
                        "date": d.decided_on.isoformat(),
                        "decision": d.what,
                        "legal_basis": d.legal_basis,
                        "motivation": d.motivation,
                        "milder_alternative": d.milder_alternative,
                        "organisation": d.organisation.name,
                        "activity": _activity(d.activity),
                    }
                    for d in c.decisions.select_related("organisation", "activity")
                ],
            }
            for c in cases
        ],
    }
    subjects = [("address", str(address.uuid))] + ([("resident", str(resident.uuid))] if resident else [])
    log = []
    for subject_type, subject_id in subjects:
        log += [
            {
                "time": r.end_time.isoformat(),
                "operation": r.name,
                "processing_activity": r.activity_id,
                "trace_id": r.trace_id,
                "status": r.status_code,
            }
            for r in records_for_subject(subject_type=subject_type, subject_id=subject_id)
        ]
    data["processing_log"] = sorted(log, key=lambda item: item["time"])
    data["processing_activities"] = sorted(activities.values(), key=lambda a: a["code"])
    audit_record(
        actor=user,
        action="inzage.export",
        obj=resident or address,
        reason=purpose,
        origin=origin,
        processing=[
            Processing(activity_code="avg-art-15", subject_type=t, subject_id=i) for t, i in subjects
        ],
    )
    return data


@dataclass
class AddressTotals:
    addresses: int
    #: year -> addresses in a buurt of that year
    in_buurt: dict[int, int]


def address_totals() -> AddressTotals:
    """How many addresses the register holds (not withdrawn) and how many lie in a buurt, per year of
    boundaries. Counts of public BAG data only: nothing of a person is read, so nothing is audited."""
    from smaakmaker.cases.models import AddressArea

    current = Address.objects.filter(withdrawn_on__isnull=True)
    per_year = (
        AddressArea.objects.filter(address__withdrawn_on__isnull=True)
        .exclude(buurt_code="")
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    return AddressTotals(addresses=current.count(), in_buurt={year: n for year, n in per_year})
