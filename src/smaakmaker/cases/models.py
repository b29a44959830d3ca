# SPDX-License-Identifier: EUPL-1.2
"""The shared address register: addresses, residents, signals, cases, decisions, alert rules.

Every model holding personal data has exactly one visibility filter, ``objects.visible_to(user)``
(see ``querysets.py``). There is deliberately no risk score, no ethnicity, nationality or
migration-background field and no BSN anywhere in this domain.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.cases import workflow
from smaakmaker.cases.querysets import (
    AddressQuerySet,
    CaseEventQuerySet,
    CaseQuerySet,
    DecisionQuerySet,
    ResidentQuerySet,
    SignalQuerySet,
)
from smaakmaker.common.codes import InvalidCodeError, buurt_code
from smaakmaker.common.models import BaseModel

BAG_ID_RE = re.compile(r"\d{16}", re.ASCII)  # ASCII digits only
POSTCODE_RE = re.compile(r"[1-9]\d{3}[A-Z]{2}", re.ASCII)  # ASCII digits only


def validate_bag_id(value: str) -> None:
    if not BAG_ID_RE.fullmatch(value or ""):
        raise ValidationError(
            _("A BAG id has exactly 16 digits (leading zeros included)."), code="invalid_bag_id"
        )


def normalise_postcode(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.fullmatch(value or ""):
        raise ValidationError(_("A postcode looks like 1064AB."), code="invalid_postcode")


def validate_buurt_code(value: str) -> None:
    try:
        if buurt_code(value) != value:
            raise ValidationError(
                _("Write the buurt code in capitals, for example BU0363FD04."), code="invalid"
            )
    except InvalidCodeError as exc:
        raise ValidationError(str(exc), code="invalid_buurt_code") from exc


class Flavour(models.TextChoices):
    ZOET = "zoet", _("Sweet (support willing residents)")
    ZUUR = "zuur", _("Sour (problem cases must move)")
    ZOUT = "zout", _("Salt (help the vulnerable)")
    BITTER = "bitter", _("Bitter (screen new tenants)")
    NONE = "", _("No flavour")


class AddressSource(models.TextChoices):
    REGISTERED = "", _("Registered with a signal")
    BAG = "bag", _("BAG extract")
    BAG_GPKG = "bag-gpkg", _("BAG GeoPackage (PDOK)")
    LIST = "lijst", _("Address list")


class Address(BaseModel):
    """A BAG nummeraanduiding. BAG data are public; what is known about the address is not.

    Addresses come from a BAG import (extract or GeoPackage), an address list of the gemeente's own
    administration, or are registered together with a signal. An address that left the BAG is never
    deleted: it is marked withdrawn (``withdrawn_on``), and its signals, cases and plans stay.
    """

    # NULL only for an address from a gemeente's own list that has no nummeraanduiding id.
    bag_nummeraanduiding_id = models.CharField(
        _("BAG nummeraanduiding id"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_bag_id],
    )
    bag_verblijfsobject_id = models.CharField(
        _("BAG verblijfsobject id"), max_length=16, blank=True, validators=[validate_bag_id]
    )
    street = models.CharField(_("street"), max_length=120)
    house_number = models.PositiveIntegerField(_("house number"))
    house_letter = models.CharField(_("house letter"), max_length=1, blank=True)
    house_number_addition = models.CharField(_("house number addition"), max_length=4, blank=True)
    # Blank only where the BAG itself has no postcode (it happens).
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=[validate_postcode])
    city = models.CharField(_("city"), max_length=80)
    # The buurt (of the latest year with boundaries) as a validated CBS code; blank when the point lies
    # in no loaded buurt. The buurt of every year is in ``AddressArea``.
    buurt_code = models.CharField(
        _("buurt code"), max_length=10, blank=True, validators=[validate_buurt_code], db_index=True
    )
    source = models.CharField(
        _("source"), max_length=10, choices=AddressSource.choices, blank=True, default=""
    )
    gebruiksdoelen = models.CharField(_("uses (gebruiksdoelen)"), max_length=200, blank=True)
    bag_status = models.CharField(_("BAG status"), max_length=60, blank=True)
    bag_gemeente_code = models.CharField(_("BAG municipality code"), max_length=4, blank=True)
    rd_x = models.FloatField(_("x (RD New)"), null=True, blank=True)
    rd_y = models.FloatField(_("y (RD New)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn"), null=True, blank=True)
    #: a hash of the imported BAG content: a re-import of the same content writes nothing
    content_hash = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = AddressQuerySet.as_manager()

    class Meta:
        ordering = ["postcode", "house_number", "house_letter", "house_number_addition"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [
            models.Index(fields=["postcode", "house_number"], name="address_postcode_number"),
            # Lists per buurt join addresses to cases: an index-only scan instead of a heap visit per address.
            models.Index(fields=["buurt_code", "id"], name="address_buurt_id"),
            models.Index(fields=["bag_verblijfsobject_id"], name="address_vbo"),
        ]
        permissions = [
            ("export_inzage", _("Can export an inzage (AVG art. 15)")),
            ("import_addresses", _("Can import BAG addresses and address lists")),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        number = f"{self.house_number}{self.house_letter}"
        if self.house_number_addition:
            number += f"-{self.house_number_addition}"
        postcode = f"{self.postcode[:4]} {self.postcode[4:]} " if self.postcode else ""
        return f"{self.street} {number}, {postcode}{self.city}"


#: the address fields a batch item carries besides its BAG id (public BAG data)
ADDRESS_FIELDS = (
    "street",
    "house_number",
    "house_letter",
    "house_number_addition",
    "postcode",
    "city",
    "buurt_code",
)
#: what the register shows of an address (the API's address, a listed case's address)
ADDRESS_SHOWN = ("uuid", "bag_nummeraanduiding_id", *ADDRESS_FIELDS)


class AddressArea(models.Model):
    """The buurt, wijk and gemeente an address lies in, for each year whose boundaries are loaded."""

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="areas")
    year = models.PositiveSmallIntegerField(_("year"))
    buurt_code = models.CharField(_("buurt code"), max_length=10, blank=True)
    wijk_code = models.CharField(_("wijk code"), max_length=8, blank=True)
    gemeente_code = models.CharField(_("municipality code"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("area of an address")
        verbose_name_plural = _("areas of addresses")
        constraints = [models.UniqueConstraint(fields=["address", "year"], name="address_area_year")]
        indexes = [models.Index(fields=["year", "buurt_code"], name="address_area_buurt")]

    def __str__(self) -> str:
        return f"{self.year}: {self.buurt_code or '-'}"


class AddressCustomArea(models.Model):
    """A custom area drawn as a polygon (``areas.Area`` of level "eigen" with a boundary) that an
    address lies in, by its point: kept by :func:`smaakmaker.cases.address_imports.custom_areas_assign`
    when the area is saved and after every address import. An address may lie in several."""

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="custom_areas")
    area_code = models.CharField(_("custom area code"), max_length=16)

    class Meta:
        verbose_name = _("custom area of an address")
        verbose_name_plural = _("custom areas of addresses")
        constraints = [
            models.UniqueConstraint(fields=["address", "area_code"], name="address_custom_area_unique")
        ]
        indexes = [models.Index(fields=["area_code", "address"], name="address_custom_area_code")]

    def __str__(self) -> str:
        return self.area_code


class Resident(BaseModel):
    """A household member, recorded only under an activity that needs it (names only where allowed)."""

    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="residents")
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="+")
    source_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")


class SignalKind(BaseModel):
    """The editable catalogue of signal kinds; each is tied to a processing activity (and its compartment)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.PROTECT, related_name="signal_kinds", verbose_name=_("activity")
    )
    flavour = models.CharField(_("flavour"), max_length=8, choices=Flavour.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("signal kind")
        verbose_name_plural = _("signal kinds")

    def __str__(self) -> str:
        return self.label


class Signal(BaseModel):
    """A fact a partner recorded about an address; readable, never scored."""

    # Signals are the register's largest table and are ingested in bulk: no single-column indexes
    # on the catalogue keys (kind, activity, organisation: few values, read through the address),
    # and the address is indexed together with the date (signal_address_date).
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="signals", db_index=False)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="signals", null=True, blank=True
    )
    kind = models.ForeignKey(SignalKind, on_delete=models.PROTECT, related_name="signals", db_index=False)
    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    observed_on = models.DateField(_("date"))
    description = models.CharField(_("short description"), max_length=500, blank=True)
    external_id = models.CharField(_("source reference"), max_length=64, blank=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    anonymised = models.DateTimeField(_("anonymised"), null=True, blank=True)

    objects = SignalQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_on", "-id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            models.Index(fields=["address", "observed_on"], name="signal_address_date"),
            models.Index(fields=["observed_on"], name="signal_date"),
            # A partner's own reference of a signal (or the key of a row of its file): a file read
            # again adds nothing. Partial: signals without a reference cost nothing here.
            models.Index(
                fields=["source_organisation", "external_id"],
                name="signal_org_reference",
                condition=~models.Q(external_id=""),
            ),
        ]


class Case(BaseModel):
    """A coordinated approach of one address; the status is a projection of the history."""

    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="cases")
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=[(s, s) for s in workflow.STATUSES], default=workflow.NEW
    )
    regie_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("coordinating organisation")
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    anonymised = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # The buurt of the case's address, kept by database triggers (migration cases/0007): set on every
    # insert and update of a case, and followed when the address's buurt changes (a BAG import, new
    # boundaries), by any path, raw SQL included. Only for finding a buurt's cases without probing
    # every address of the buurt (``selectors.cases_list``); visibility reads the address's own buurt.
    buurt_code = models.CharField(_("buurt code"), max_length=10, blank=True, default="", editable=False)

    objects = CaseQuerySet.as_manager()

    @cached_property
    def participant_names(self) -> list[str]:
        """The names of the organisations taking part, sorted. The register's reads set this for all
        their cases with one query (``selectors._participants_attach``)."""
        return sorted(p.organisation.name for p in self.participations.all())

    class Meta:
        ordering = ["-created"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status"], name="case_status"),
            models.Index(fields=["buurt_code", "-created"], name="case_buurt_created"),
        ]


class CaseParticipant(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="participations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "organisation"], name="participant_unique")]


class CaseEvent(BaseModel):
    """Append-only history of a case: status changes, participants, decisions, notes."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("case history is append-only")
        super().save(*args, **kwargs)


class Decision(BaseModel):
    """A human decision: who, what, legal basis, motivation, and the milder alternative considered."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("decided on"))
    what = models.CharField(_("decision"), max_length=300)
    flavour = models.CharField(_("flavour"), max_length=8, choices=Flavour.choices, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    motivation = models.TextField(_("motivation"))
    milder_alternative = models.TextField(_("milder alternative considered"))

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_on", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def save(self, *args, **kwargs):
        if not self._state.adding and not kwargs.pop("retention", False):
            raise RuntimeError("decisions are append-only; record a new decision instead")
        super().save(*args, **kwargs)


class AlertRule(BaseModel):
    """Published configuration, never a score: "≥ N signals from ≥ M partners within D days → action"."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("public description"))
    min_signals = models.PositiveSmallIntegerField(_("minimum number of signals"))
    min_partners = models.PositiveSmallIntegerField(_("minimum number of partners"), default=1)
    window_days = models.PositiveSmallIntegerField(_("within days"))
    compartments = models.JSONField(_("compartments counted (empty: all)"), default=list, blank=True)
    action = models.CharField(_("action"), max_length=200)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name


class IngestionBatch(BaseModel):
    """An idempotency record for bulk signal ingestion: the same key returns the same answer."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    signal_uuids = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "idempotency_key"], name="ingestion_key_unique")
        ]


class PartnerFileMapping(BaseModel):
    """How a partner organisation's files of signals are read: per field the column holding it, the
    partner's own words for signal kinds, and the kind of a file without a kind column. Saved with every
    checked file, offered for the next one."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    #: field (``sources.partner_file.FIELDS``) -> column name in the file's header
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    #: a value in the kind column (lower case) -> the code of a signal kind
    kind_values = models.JSONField(_("kind values"), default=dict, blank=True)
    default_kind = models.CharField(_("kind for the whole file"), max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("partner file mapping")
        verbose_name_plural = _("partner file mappings")


class PartnerFileStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    CHECKED = "checked", _("checked")
    REFUSED = "refused", _("refused")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    COMMITTED = "committed", _("imported")
    ALREADY = "already", _("imported before")
    FAILED = "failed", _("failed")


class PartnerFileImport(BaseModel):
    """One file of signals a partner uploaded: its check (the dry run), and its import, all or nothing.

    The file's content is kept only until the import ends (then emptied), and for at most a week when it
    is not imported (retention, ``partner_files.uploads_expire``); its SHA-256 stays, so the
    same file uploaded again adds nothing. Seen only by the user who uploaded it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    file_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    content = models.BinaryField(_("content"), blank=True, default=b"", editable=False)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    kind_values = models.JSONField(_("kind values"), default=dict, blank=True)
    default_kind = models.CharField(_("kind for the whole file"), max_length=60, blank=True)
    confirm_no_names = models.BooleanField(_("confirmed: no names of residents"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=PartnerFileStatus.choices, default=PartnerFileStatus.UPLOADED
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    step = models.CharField(_("step"), max_length=80, blank=True)
    message = models.TextField(_("message"), blank=True)
    signals_added = models.PositiveIntegerField(_("signals added"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("partner file")
        verbose_name_plural = _("partner files")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "file_sha256"],
                condition=models.Q(status="committed"),
                name="partner_file_once",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def done(self) -> bool:
        return self.status not in (PartnerFileStatus.QUEUED, PartnerFileStatus.RUNNING)


class AddressUploadStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("imported")
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("failed")


class AddressUpload(BaseModel):
    """A file of addresses the beheerder uploaded in the web (LVBAG extract, PDOK GeoPackage or an own
    list), imported all or nothing by the background worker (``cases.tasks.address_upload_task``).

    BAG addresses are public data (no persons); the content is emptied when the import ends, the report
    stays."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    file_size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    content = models.BinaryField(_("content"), blank=True, default=b"", editable=False)
    #: list: field -> column (empty: the usual column names)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    gemeente_code = models.CharField(_("municipality code"), max_length=6, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AddressUploadStatus.choices, default=AddressUploadStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    step = models.CharField(_("step"), max_length=120, blank=True)
    #: the import's report (``AddressImportResult``): counts, per year in a buurt and outside, warnings
    report = models.JSONField(_("report"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("address upload")
        verbose_name_plural = _("address uploads")

    def __str__(self) -> str:
        return self.file_name

    @property
    def done(self) -> bool:
        return self.status not in (AddressUploadStatus.QUEUED, AddressUploadStatus.RUNNING)
