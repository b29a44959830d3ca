# SPDX-License-Identifier: EUPL-1.2
"""Writes of the register. Each checks the covenant (a write grant for the activity in the address's
area) and writes the audit and processing-log records in the same transaction as the change."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smaakmaker.access.audit import Origin, Processing, Result, audit_record
from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.access.policies import LEVEL_WRITE, area_covers, grant_to_write, grants_for
from smaakmaker.cases import names, workflow
from smaakmaker.cases.errors import (
    BatchError,
    NotPermitted,
    NotVisible,
    RegisterConflict,
    RegisterError,
    ResidentNameRefused,
)
from smaakmaker.cases.models import (
    ADDRESS_FIELDS,
    BAG_ID_RE,
    Address,
    AddressCustomArea,
    Case,
    CaseEvent,
    CaseParticipant,
    Decision,
    Flavour,
    IngestionBatch,
    Resident,
    Signal,
    SignalKind,
    normalise_postcode,
)
from smaakmaker.common.bulk import insert_values

MAX_DESCRIPTION = 500
MAX_BATCH = 5000


def _write_grant(
    actor,
    *,
    activity: ProcessingActivity,
    address: Address,
    field: str = "kind",
    organisation: Organisation | None = None,
):
    custom = ()
    if address.pk and any(g.custom_areas for g in grants_for(actor)):
        custom = tuple(address.custom_areas.values_list("area_code", flat=True))
    grant = grant_to_write(
        actor,
        activity_id=activity.pk,
        buurt_code=address.buurt_code,
        organisation_id=organisation.pk if organisation is not None else None,
        custom_areas=custom,
    )
    if grant is None:
        raise RegisterError(
            _(
                "No active covenant grants your organisation and role to record data of this processing activity here."
            ),
            field=field,
            code="no_processing_activity",
        )
    return grant


class BulkWriteCheck:
    """``grant_to_write`` for the many rows of a bulk ingestion (an API batch, a partner file), by the
    same rule as a signal recorded by hand: the uploading organisation's write grant for the kind's
    activity covers the address's buurt, or a custom area whose boundary holds the address's point
    (``AddressCustomArea``). The custom areas are read once, in one query on their index, for the
    areas the organisation's write grants name (none: no query), for the batch's BAG ids when given
    (an API batch) or for every address inside (a partner file: one query however long the file); the
    answer is kept per activity, buurt and set of custom areas."""

    def __init__(self, actor, *, organisation_id: int | None, bag_ids: list[str] | None = None):
        self.actor = actor
        self.organisation_id = organisation_id
        codes = sorted(
            {
                code
                for grant in grants_for(actor)
                if grant.level == LEVEL_WRITE
                and (organisation_id is None or organisation_id in grant.organisation_ids)
                for code in grant.custom_areas
            }
        )
        self.by_address: dict[int, tuple[str, ...]] = {}
        self.by_bag_id: dict[str, tuple[str, ...]] = {}
        if codes:
            rows = AddressCustomArea.objects.filter(area_code__in=codes)
            if bag_ids is not None:  # an API batch (at most MAX_BATCH ids): only its addresses
                rows = rows.filter(address__bag_nummeraanduiding_id__in=sorted(set(bag_ids)))
            rows = rows.values_list("address_id", "address__bag_nummeraanduiding_id", "area_code")
            for address_id, bag_id, code in rows.order_by("address_id", "area_code"):
                self.by_address[address_id] = (*self.by_address.get(address_id, ()), code)
                if bag_id:
                    self.by_bag_id[bag_id] = self.by_address[address_id]
        self._answers: dict[tuple[int, str, tuple[str, ...]], bool] = {}

    def may_write(
        self, activity_id: int, buurt_code: str, *, address_id: int | None = None, bag_id: str = ""
    ) -> bool:
        """Whether a signal of this activity may be stored at the address (by its register id, or its
        BAG id when it is not looked up yet: an address the register does not hold lies in no area)."""
        if address_id is not None:
            areas = self.by_address.get(address_id, ())
        else:
            areas = self.by_bag_id.get(bag_id, ()) if bag_id else ()
        key = (activity_id, buurt_code, areas)
        if key not in self._answers:
            self._answers[key] = (
                grant_to_write(
                    self.actor,
                    activity_id=activity_id,
                    buurt_code=buurt_code,
                    organisation_id=self.organisation_id,
                    custom_areas=areas,
                )
                is not None
            )
        return self._answers[key]


def _writes_in_area(actor, buurt_code: str, *, bag_id: str = "") -> bool:
    """Whether a covenant grant lets this user record data of some activity at an address in this buurt,
    or at the registered address with this BAG id inside a drawn custom area the grant names: the areas
    its point lies in are read as ``BulkWriteCheck`` reads them for an API batch (a BAG id the register
    does not hold, or holds without a point, lies in no area) and decided as ``grant_to_write`` decides
    (``area_covers``)."""
    areas = (
        BulkWriteCheck(actor, organisation_id=None, bag_ids=[bag_id]).by_bag_id.get(bag_id, ())
        if bag_id
        else ()
    )
    return any(
        grant.level == LEVEL_WRITE
        and area_covers(
            grant.area_prefixes, buurt_code, custom_areas=grant.custom_areas, address_custom_areas=areas
        )
        for grant in grants_for(actor)
    )


# --- Names in free text --------------------------------------------------------------------------
# Where a processing activity allows no names of residents, free text recorded under it is checked
# (``cases/names.py``): a resident's name known anywhere in the register is refused (the message does not
# say where they live); text that merely looks like a name needs an explicit confirmation, which is
# recorded in the audit record of the write. Refusals are logged, so probing for names shows up.

RESIDENT_NAME = "resident_name"
CONFIRM_NO_NAMES = "confirm_no_names"
#: what the audit record of a write says when the writer confirmed that a name-like text names no resident
NAMES_CONFIRMED = "Bevestigd: geen naam van een bewoner"
NAME_REFUSED = "Tekst met de naam van een bewoner geweigerd"


def resident_name_message() -> str:
    return _(
        "The text contains the name of a resident; names are not allowed under this processing activity."
    )


def confirm_no_names_message() -> str:
    return _(
        "The text looks like it contains a person's name, and names are not allowed under this processing "
        "activity. Remove the name, or confirm that this text contains no name of a resident."
    )


def resident_names_index() -> names.ResidentNames:
    """The names of all residents in the register (whatever the user may see: nothing of it is shown)."""
    return names.ResidentNames(Resident.objects.exclude(name="").values_list("name", flat=True))


def names_check(
    *,
    activity: ProcessingActivity,
    texts: dict[str, str],
    confirm_no_names: bool = False,
    index: names.ResidentNames | None = None,
) -> list[str]:
    """Enforce what ``activity`` allows in the free texts ``{field: text}``; raise ``ResidentNameRefused``
    (code ``resident_name``) or ``RegisterError`` (code ``confirm_no_names``) naming the field, else return
    the fields whose text looked like a name and was confirmed."""
    if activity.allows_names:
        return []
    texts = {field: text for field, text in texts.items() if text and text.strip()}
    if not texts:
        return []
    index = resident_names_index() if index is None else index
    for field, text in texts.items():
        if index.in_text(text):
            raise ResidentNameRefused(resident_name_message(), field=field, code=RESIDENT_NAME)
    name_like = [field for field, text in texts.items() if names.looks_like_name(text)]
    if name_like and not confirm_no_names:
        raise RegisterError(confirm_no_names_message(), field=name_like[0], code=CONFIRM_NO_NAMES)
    return name_like


def _reason(reason: str, confirmed: list[str]) -> str:
    """The audit reason of a write, led by the names confirmation when one was needed."""
    if not confirmed:
        return reason
    mark = f"{NAMES_CONFIRMED} ({', '.join(confirmed)})"
    return f"{mark}; {reason}" if reason else mark


def _name_refusal_record(*, actor, action: str, origin: Origin | None) -> None:
    """Log a refused write (in its own transaction: the write itself is rolled back)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            object_type="cases",
            result=Result.INVALID,
            reason=NAME_REFUSED,
            origin=origin,
        )


def _name_refusals_logged(action: str):
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except ResidentNameRefused:
                _name_refusal_record(actor=kwargs.get("actor"), action=action, origin=kwargs.get("origin"))
                raise

        return wrapper

    return decorate


def _organisation(grant, organisation: Organisation | None) -> Organisation:
    if organisation is not None:
        if organisation.pk not in grant.organisation_ids:
            raise RegisterError(_("This organisation is not covered by the grant."), field="organisation")
        return organisation
    return Organisation.objects.get(pk=min(grant.organisation_ids))


def address_register(
    *,
    actor,
    bag_nummeraanduiding_id: str,
    street: str,
    house_number: int,
    postcode: str,
    city: str,
    buurt_code: str,
    house_letter: str = "",
    house_number_addition: str = "",
    origin: Origin | None = None,
) -> Address:
    """Register a BAG address (public data) so signals can refer to it; an address registered before is
    reused as it is (its data are not changed).

    Needs ``cases.add_signal`` and a covenant grant to record data in the address's buurt, or in a drawn
    custom area that the point of the registered address with this BAG id lies in (public BAG geography:
    points come from address imports only, never from a request), else ``NotPermitted``, the same for an
    address outside the area and one the register does not know. Whether the address was registered
    before changes nothing else the caller can tell: the register is no oracle for which addresses it
    knows (the audit record says it).
    """
    if not actor.has_perm("cases.add_signal") or not _writes_in_area(
        actor, buurt_code, bag_id=bag_nummeraanduiding_id
    ):
        raise NotPermitted(
            _("No active covenant grants your organisation and role to record data in this area.")
        )
    candidate = Address(
        bag_nummeraanduiding_id=bag_nummeraanduiding_id,
        street=street,
        house_number=house_number,
        house_letter=house_letter,
        house_number_addition=house_number_addition,
        postcode=normalise_postcode(postcode),
        city=city,
        buurt_code=buurt_code,
    )
    try:
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise RegisterError(messages[0], field=name) from exc
    with transaction.atomic():
        address = Address.objects.filter(bag_nummeraanduiding_id=bag_nummeraanduiding_id).first()
        created = address is None
        if created:
            try:
                with transaction.atomic():
                    candidate.save()
                address = candidate
            except IntegrityError:  # registered at the same moment by another request
                address = Address.objects.get(bag_nummeraanduiding_id=bag_nummeraanduiding_id)
                created = False
        audit_record(
            actor=actor,
            action="address.register",
            obj=address,
            reason="" if created else "Adres was al geregistreerd; hergebruikt",
            origin=origin,
        )
    return address


@_name_refusals_logged("resident.create")
@transaction.atomic
def resident_record(
    *,
    actor,
    address: Address,
    activity: ProcessingActivity,
    name: str = "",
    description: str = "",
    organisation: Organisation | None = None,
    confirm_no_names: bool = False,
    origin: Origin | None = None,
) -> Resident:
    grant = _write_grant(
        actor, activity=activity, address=address, field="activity", organisation=organisation
    )
    if name and not activity.allows_names:
        raise RegisterError(_("This processing activity does not allow names of residents."), field="name")
    confirmed = names_check(
        activity=activity, texts={"description": description}, confirm_no_names=confirm_no_names
    )
    resident = Resident.objects.create(
        address=address,
        activity=activity,
        source_organisation=_organisation(grant, organisation),
        name=name,
        description=description,
    )
    audit_record(
        actor=actor,
        action="resident.create",
        obj=resident,
        reason=_reason("", confirmed),
        origin=origin,
        processing=[Processing(activity.code, str(activity.uuid), "resident", str(resident.uuid))],
    )
    return resident


def _check_signal_fields(*, kind: SignalKind, observed_on: date, description: str) -> None:
    if not kind.is_active:
        raise RegisterError(_("This signal kind is no longer in use."), field="kind", code="inactive")
    if observed_on > timezone.localdate():
        raise RegisterError(_("The date lies in the future."), field="observed_on", code="future")
    if len(description) > MAX_DESCRIPTION:
        raise RegisterError(_("Keep the description short (at most 500 characters)."), field="description")


@_name_refusals_logged("signal.create")
@transaction.atomic
def signal_record(
    *,
    actor,
    address: Address,
    kind: SignalKind,
    observed_on: date,
    description: str = "",
    resident: Resident | None = None,
    organisation: Organisation | None = None,
    confirm_no_names: bool = False,
    origin: Origin | None = None,
    reason: str = "",
) -> Signal:
    _check_signal_fields(kind=kind, observed_on=observed_on, description=description)
    grant = _write_grant(actor, activity=kind.activity, address=address, organisation=organisation)
    if resident is not None and resident.address_id != address.pk:
        raise RegisterError(_("This resident does not live at this address."), field="resident")
    confirmed = names_check(
        activity=kind.activity, texts={"description": description}, confirm_no_names=confirm_no_names
    )
    signal = Signal.objects.create(
        address=address,
        resident=resident,
        kind=kind,
        activity=kind.activity,
        source_organisation=_organisation(grant, organisation),
        recorded_by=actor,
        observed_on=observed_on,
        description=description,
    )
    audit_record(
        actor=actor,
        action="signal.create",
        obj=signal,
        reason=_reason(reason, confirmed),
        origin=origin,
        processing=[Processing(kind.activity.code, str(kind.activity.uuid), "address", str(address.uuid))],
    )
    return signal


@dataclass
class IngestResult:
    signal_uuids: list[str]
    replayed: bool


def address_with_first_signal_record(*, actor, origin, address_fields: dict, signal_fields: dict) -> Address:
    """Day-one entry: register an address together with the signal that brings it into the register, in
    one transaction. A refused signal (e.g. a text that needs the "no resident's name" confirmation)
    leaves no address behind, so the user can correct the form and send it again."""
    with transaction.atomic():
        address = address_register(actor=actor, origin=origin, **address_fields)
        signal_record(actor=actor, address=address, origin=origin, **signal_fields)
    return address


def _request_hash(items: list[dict]) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()


class AddressRef(NamedTuple):
    """What ingestion needs of an address (no model instance per item)."""

    pk: int
    uuid: uuid.UUID
    buurt_code: str


def _no_grant_error(prefix: str) -> tuple[str, str, str]:
    return (
        f"{prefix}.kind",
        "no_processing_activity",
        _(
            "No active covenant grants your organisation and role to record data of this processing activity here."
        ),
    )


def signals_ingest(
    *,
    actor,
    organisation: Organisation,
    items: list[dict],
    idempotency_key: str,
    origin: Origin | None = None,
) -> IngestResult:
    """Bulk ingestion, all or nothing: every item is checked first; one bad item stores nothing.

    Items: ``{"bag_nummeraanduiding_id", "address": {street, house_number, house_letter,
    house_number_addition, postcode, city, buurt_code}, "kind", "observed_on" (date), "description",
    "external_id", "confirm_no_names"}`` (already parsed by the serializer). The same idempotency key
    with the same items returns the earlier answer; with other items it is refused.

    No existence oracle: whether an item may be stored is decided on what the item says (the kind's
    activity and the buurt it gives, or, under a covenant naming a custom area, whether the BAG id's
    point lies inside that area: public BAG data, ``BulkWriteCheck``) and the caller's grants, never on
    whether the register holds personal data at the address. An address not yet registered is registered from the item's data; a registered one is used
    as it is. The answer is the same in both cases. (One residue: an item whose buurt code contradicts
    the register's for the same BAG id is refused when the caller may not write in the registered buurt;
    see docs/adr/0008-no-existence-oracles-in-the-register.md.)
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise RegisterError(
            _("Send an Idempotency-Key header (at most 200 characters)."), field="Idempotency-Key"
        )
    if not items:
        raise RegisterError(_("The batch is empty."), field="signals")
    if len(items) > MAX_BATCH:
        raise RegisterError(_("At most 5000 signals per request."), field="signals")
    digest = _request_hash(items)
    earlier = IngestionBatch.objects.filter(
        organisation=organisation, idempotency_key=idempotency_key
    ).first()
    if earlier is not None:
        if earlier.request_hash != digest:
            raise RegisterConflict(
                _("This Idempotency-Key was used for a different request."),
                field="Idempotency-Key",
                code="conflict",
            )
        return IngestResult(signal_uuids=earlier.signal_uuids, replayed=True)

    kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
    errors: list[tuple[str, str, str]] = []
    today = timezone.localdate()
    check = BulkWriteCheck(
        actor,
        organisation_id=organisation.pk,
        bag_ids=[
            i.get("bag_nummeraanduiding_id")
            for i in items
            if isinstance(i.get("bag_nummeraanduiding_id"), str)
        ],
    )
    address_data: dict[str, dict] = {}  # BAG id -> the address data of its first item
    accepted: list[tuple[int, dict, SignalKind]] = []
    confirmed: list[int] = []
    resident_names = None
    refused_name = False
    for index, item in enumerate(items):
        prefix = f"signals.{index}"
        bag_id = item.get("bag_nummeraanduiding_id") or ""
        data = item.get("address") or {}
        kind = kinds.get(item.get("kind"))
        if not BAG_ID_RE.fullmatch(bag_id):
            errors.append(
                (
                    f"{prefix}.bag_nummeraanduiding_id",
                    "invalid_bag_id",
                    _("A BAG id has exactly 16 digits (leading zeros included)."),
                )
            )
        elif address_data.setdefault(bag_id, data) != data:
            errors.append(
                (
                    f"{prefix}.address",
                    "inconsistent",
                    _("Another item of this batch gives other address data for this BAG id."),
                )
            )
        if kind is None or not kind.is_active:
            errors.append((f"{prefix}.kind", "unknown_kind", _("Unknown signal kind.")))
        observed_on = item.get("observed_on")
        if observed_on and observed_on > today:
            errors.append((f"{prefix}.observed_on", "future", _("The date lies in the future.")))
        if not data.get("buurt_code"):
            errors.append((f"{prefix}.address", "required", _("Give the address data of the BAG id.")))
            continue
        if kind is None:
            continue
        if not check.may_write(kind.activity_id, data["buurt_code"], bag_id=bag_id):
            errors.append(_no_grant_error(prefix))
            continue
        description = item.get("description") or ""
        if description and not kind.activity.allows_names:
            if resident_names is None:
                resident_names = resident_names_index()
            try:
                if names_check(
                    activity=kind.activity,
                    texts={f"{prefix}.description": description},
                    confirm_no_names=bool(item.get("confirm_no_names")),
                    index=resident_names,
                ):
                    confirmed.append(index)
            except RegisterError as exc:
                refused_name = refused_name or isinstance(exc, ResidentNameRefused)
                errors.append((exc.field, exc.code, exc.message))
                continue
        accepted.append((index, item, kind))
    if errors:
        if refused_name:
            _name_refusal_record(actor=actor, action="signal.ingest", origin=origin)
        raise BatchError(errors)
    try:
        with transaction.atomic():
            addresses = _addresses_for_ingestion(address_data, actor=actor, origin=origin)
            rows = []
            processing = []
            for index, item, kind in accepted:
                address = addresses[item["bag_nummeraanduiding_id"]]
                if address.buurt_code != item["address"]["buurt_code"] and not check.may_write(
                    kind.activity_id, address.buurt_code, address_id=address.pk
                ):
                    errors.append(_no_grant_error(f"signals.{index}"))
                    continue
                rows.append(
                    {
                        "uuid": uuid.uuid4(),
                        "address_id": address.pk,
                        "kind_id": kind.pk,
                        "activity_id": kind.activity_id,
                        "source_organisation_id": organisation.pk,
                        "recorded_by_id": actor.pk,
                        "observed_on": item.get("observed_on"),
                        "description": (item.get("description") or "")[:MAX_DESCRIPTION],
                        "external_id": item.get("external_id") or "",
                    }
                )
                processing.append(
                    Processing(kind.activity.code, str(kind.activity.uuid), "address", str(address.uuid))
                )
            if errors:
                raise BatchError(errors)
            insert_values(Signal, rows)
            uuids = [str(row["uuid"]) for row in rows]
            IngestionBatch.objects.create(
                organisation=organisation,
                idempotency_key=idempotency_key,
                request_hash=digest,
                signal_uuids=uuids,
            )
            reason = f"Idempotency-Key {idempotency_key}"
            if confirmed:
                shown = ", ".join(str(i) for i in confirmed[:50]) + (", …" if len(confirmed) > 50 else "")
                reason += f"; {NAMES_CONFIRMED}: {len(confirmed)} item(s): {shown}"
            audit_record(
                actor=actor,
                action="signal.ingest",
                object_type="cases.signal",
                object_id=f"batch:{len(rows)}",
                reason=reason[:500],
                origin=origin,
                processing=processing,
            )
    except IntegrityError:
        # A concurrent request with the same key won; answer as a replay.
        earlier = IngestionBatch.objects.get(organisation=organisation, idempotency_key=idempotency_key)
        return IngestResult(signal_uuids=earlier.signal_uuids, replayed=True)
    return IngestResult(signal_uuids=uuids, replayed=False)


def _addresses_for_ingestion(
    address_data: dict[str, dict], *, actor, origin: Origin | None
) -> dict[str, AddressRef]:
    """The batch's addresses by BAG id: the registered ones as they are, the others registered now from
    the items' data (in the caller's transaction; an address registered meanwhile by another request is
    taken as registered)."""

    def lookup(bag_ids) -> dict[str, AddressRef]:
        return {
            bag_id: AddressRef(pk, address_uuid, buurt_code)
            for bag_id, pk, address_uuid, buurt_code in Address.objects.filter(
                bag_nummeraanduiding_id__in=bag_ids
            ).values_list("bag_nummeraanduiding_id", "id", "uuid", "buurt_code")
        }

    found = lookup(list(address_data))
    missing = [bag_id for bag_id in address_data if bag_id not in found]
    if missing:
        Address.objects.bulk_create(
            [
                Address(
                    bag_nummeraanduiding_id=bag_id, **{f: address_data[bag_id][f] for f in ADDRESS_FIELDS}
                )
                for bag_id in missing
            ],
            ignore_conflicts=True,
        )
        found.update(lookup(missing))
        audit_record(
            actor=actor,
            action="address.register",
            object_type="cases.address",
            object_id=f"batch:{len(missing)}",
            reason="Geregistreerd bij het inlezen van signalen",
            origin=origin,
        )
    return found


# --- Cases ---------------------------------------------------------------------------------------


def _case_processing(case: Case, activity: ProcessingActivity | None = None) -> list[Processing]:
    activity = activity or case.activity
    return [Processing(activity.code, str(activity.uuid), "address", str(case.address.uuid))]


@_name_refusals_logged("case.create")
@transaction.atomic
def case_open(
    *,
    actor,
    address: Address,
    activity: ProcessingActivity,
    summary: str = "",
    participants: list[Organisation] = (),
    confirm_no_names: bool = False,
    origin: Origin | None = None,
) -> Case:
    if not actor.has_perm("cases.add_case"):
        raise NotVisible("case")
    grant = _write_grant(actor, activity=activity, address=address, field="activity")
    confirmed = names_check(activity=activity, texts={"summary": summary}, confirm_no_names=confirm_no_names)
    regie = Organisation.objects.get(pk=min(grant.organisation_ids))
    case = Case.objects.create(
        address=address, activity=activity, regie_organisation=regie, summary=summary, opened_by=actor
    )
    for organisation in {regie, *participants}:
        CaseParticipant.objects.create(case=case, organisation=organisation, added_by=actor)
    CaseEvent.objects.create(case=case, kind="opened", to_status=case.status, note=summary[:500], actor=actor)
    audit_record(
        actor=actor,
        action="case.create",
        obj=case,
        reason=_reason("", confirmed),
        origin=origin,
        processing=_case_processing(case),
    )
    return case


def _case_for_write(actor, case: Case) -> Case:
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotVisible(case.uuid)
    _write_grant(actor, activity=case.activity, address=case.address, field="case")
    return Case.objects.select_for_update().select_related("address", "activity").get(pk=case.pk)


@_name_refusals_logged("case.transition")
@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to_status: str,
    note: str = "",
    confirm_no_names: bool = False,
    origin: Origin | None = None,
) -> Case:
    if not actor.has_perm("cases.change_case"):
        raise NotVisible(case.uuid)
    case = _case_for_write(actor, case)
    try:
        workflow.transition_check(case.status, to_status)
    except workflow.TransitionError as exc:
        raise RegisterConflict(
            _("This status change is not allowed."), field="to_status", code="transition"
        ) from exc
    confirmed = names_check(activity=case.activity, texts={"note": note}, confirm_no_names=confirm_no_names)
    previous = case.status
    case.status = to_status
    case.closed_at = timezone.now() if to_status == workflow.CLOSED else None
    Case.objects.filter(pk=case.pk).update(status=to_status, closed_at=case.closed_at, updated=timezone.now())
    CaseEvent.objects.create(
        case=case, kind="status", from_status=previous, to_status=to_status, note=note[:500], actor=actor
    )
    audit_record(
        actor=actor,
        action="case.transition",
        obj=case,
        reason=_reason(note, confirmed),
        origin=origin,
        processing=_case_processing(case),
    )
    return case


@transaction.atomic
def case_participant_add(
    *, actor, case: Case, organisation: Organisation, origin: Origin | None = None
) -> None:
    if not actor.has_perm("cases.change_case"):
        raise NotVisible(case.uuid)
    case = _case_for_write(actor, case)
    CaseParticipant.objects.get_or_create(case=case, organisation=organisation, defaults={"added_by": actor})
    CaseEvent.objects.create(case=case, kind="participant", note=organisation.name, actor=actor)
    audit_record(
        actor=actor, action="case.participant_add", obj=case, origin=origin, processing=_case_processing(case)
    )


@_name_refusals_logged("decision.create")
@transaction.atomic
def decision_record(
    *,
    actor,
    case: Case,
    what: str,
    legal_basis: str,
    motivation: str,
    milder_alternative: str,
    flavour: str = "",
    decided_on: date | None = None,
    activity: ProcessingActivity | None = None,
    confirm_no_names: bool = False,
    origin: Origin | None = None,
) -> Decision:
    """Humans decide: who, what, on which legal basis, why, and which milder alternative was weighed."""
    if not actor.has_perm("cases.add_decision"):
        raise NotVisible(case.uuid)
    case = _case_for_write(actor, case)
    activity = activity or case.activity
    grant = _write_grant(actor, activity=activity, address=case.address, field="activity")
    for name, value in (
        ("what", what),
        ("legal_basis", legal_basis),
        ("motivation", motivation),
        ("milder_alternative", milder_alternative),
    ):
        if not (value or "").strip():
            raise RegisterError(_("This field is required."), field=name, code="required")
    if flavour not in Flavour.values:
        raise RegisterError(_("Unknown flavour."), field="flavour")
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        raise RegisterError(_("The date lies in the future."), field="decided_on", code="future")
    decision = Decision(
        case=case,
        activity=activity,
        decided_by=actor,
        organisation=Organisation.objects.get(pk=min(grant.organisation_ids)),
        decided_on=decided_on,
        what=what.strip(),
        flavour=flavour,
        legal_basis=legal_basis.strip(),
        motivation=motivation.strip(),
        milder_alternative=milder_alternative.strip(),
    )
    try:
        decision.full_clean(exclude=["case", "activity", "decided_by", "organisation"])
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise RegisterError(messages[0], field=name) from exc
    confirmed = names_check(
        activity=activity,
        texts={
            "what": decision.what,
            "legal_basis": decision.legal_basis,
            "motivation": decision.motivation,
            "milder_alternative": decision.milder_alternative,
        },
        confirm_no_names=confirm_no_names,
    )
    decision.save()
    CaseEvent.objects.create(case=case, kind="decision", note=decision.what[:500], actor=actor)
    audit_record(
        actor=actor,
        action="decision.create",
        obj=decision,
        reason=_reason("", confirmed),
        origin=origin,
        processing=_case_processing(case, activity),
    )
    return decision


# --- Retention -----------------------------------------------------------------------------------

REDACTED = "[verwijderd na bewaartermijn]"


@dataclass
class RetentionReport:
    signals_deleted: int = 0
    signals_anonymised: int = 0
    residents_deleted: int = 0
    cases_anonymised: int = 0
    held: int = 0
    #: uploaded partner files not imported in time whose content was removed
    partner_files_emptied: int = 0


def retention_run(*, actor=None, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Delete or anonymise data whose retention period (per processing activity) has passed.

    * A signal at an address without a case expires ``retention_days`` after its date: deleted.
    * A signal at an address with a case is kept while a case is open; once every case there is
      closed for ``retention_days``, it is anonymised (description and resident link removed).
    * A closed case is anonymised ``retention_days`` (of its activity) after closing: summary,
      history notes and decision texts are removed, status and dates stay for the bookkeeping.
    * A resident without remaining signals is deleted once their activity's period has passed.
    * Anything with a legal hold is skipped. The purge itself is logged (audit + processing log).
    * An uploaded partner file not imported within ``partner_files.UPLOAD_DAYS`` loses its content.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = RetentionReport()
    processing: list[Processing] = []
    with transaction.atomic():
        activities = list(ProcessingActivity.objects.all())
        for activity in activities:
            cutoff_date = today - timedelta(days=activity.retention_days)
            cutoff_time = now - timedelta(days=activity.retention_days)
            expired = Signal.objects.filter(
                activity=activity, observed_on__lt=cutoff_date, anonymised__isnull=True
            )
            report.held += expired.filter(legal_hold=True).count()
            expired = expired.filter(legal_hold=False)
            with_case = expired.filter(address__cases__isnull=False).distinct()
            without_case = expired.exclude(pk__in=with_case.values("pk"))
            for signal in without_case.select_related("address"):
                processing.append(
                    Processing(activity.code, str(activity.uuid), "address", str(signal.address.uuid))
                )
            if not dry_run:
                report.signals_deleted += without_case.delete()[0]
            else:
                report.signals_deleted += without_case.count()
            # Signals behind a case: only when no case at the address is open or recently closed.
            recent_or_open = Case.objects.filter(closed_at__isnull=True) | Case.objects.filter(
                closed_at__gte=cutoff_time
            )
            anonymise = with_case.exclude(address__in=recent_or_open.values("address")).exclude(
                address__cases__legal_hold=True
            )
            for signal in anonymise.select_related("address"):
                processing.append(
                    Processing(activity.code, str(activity.uuid), "address", str(signal.address.uuid))
                )
            count = anonymise.count()
            if not dry_run:
                Signal.objects.filter(pk__in=list(anonymise.values_list("pk", flat=True))).update(
                    description=REDACTED, resident=None, anonymised=now, external_id=""
                )
            report.signals_anonymised += count
            # Closed cases of this activity.
            cases = Case.objects.filter(
                activity=activity, closed_at__lt=cutoff_time, anonymised__isnull=True, legal_hold=False
            ).select_related("address")
            for case in cases:
                processing.append(
                    Processing(activity.code, str(activity.uuid), "address", str(case.address.uuid))
                )
                report.cases_anonymised += 1
                if dry_run:
                    continue
                Case.objects.filter(pk=case.pk).update(summary=REDACTED, anonymised=now)
                CaseEvent.objects.filter(case=case).redact(REDACTED)
                Decision.objects.filter(case=case).update(
                    what=REDACTED, motivation=REDACTED, milder_alternative=REDACTED
                )
            # Residents.
            residents = Resident.objects.filter(
                activity=activity, created__lt=cutoff_time, signals__isnull=True
            )
            for resident in residents:
                processing.append(
                    Processing(activity.code, str(activity.uuid), "resident", str(resident.uuid))
                )
            if not dry_run:
                report.residents_deleted += residents.delete()[0]
            else:
                report.residents_deleted += residents.count()
        from smaakmaker.cases.partner_files import uploads_expire

        report.partner_files_emptied = uploads_expire(now=now, dry_run=dry_run)
        if not dry_run:
            reason = "Bewaartermijn verstreken"
            if report.partner_files_emptied:
                reason += f"; {report.partner_files_emptied} niet ingelezen partnerbestand(en) geleegd"
            audit_record(
                actor=actor,
                action="retention.purge",
                object_type="cases",
                object_id=f"d{report.signals_deleted}/a{report.signals_anonymised}/c{report.cases_anonymised}/r{report.residents_deleted}",
                reason=reason,
                origin=Origin(channel="task" if actor is None else "cli"),
                processing=processing,
            )
    return report
