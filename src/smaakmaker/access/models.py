# SPDX-License-Identifier: EUPL-1.2
"""Partners, memberships and API tokens. Roles are Django Groups defined in ``policies.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smaakmaker.common.models import BaseModel


class OrganisationKind(models.TextChoices):
    GEMEENTE = "gemeente", _("Municipality")
    WONINGCORPORATIE = "woningcorporatie", _("Housing corporation")
    POLITIE = "politie", _("Police")
    ZORG_WELZIJN = "zorg-welzijn", _("Care and welfare")
    OVERIG = "overig", _("Other")


class Organisation(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    is_demo = models.BooleanField(_("demo organisation"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self, *, at=None):
        moment = at or timezone.now()
        return self.filter(valid_from__lte=moment).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=moment)
        )


class Membership(BaseModel):
    """A user works for an organisation during a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organisation")
    )
    function_title = models.CharField(_("function title"), max_length=200, blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="membership_period_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class ApiToken(BaseModel):
    """A token for a partner system, bound to one organisation and acting as one user.

    Only a SHA-256 hash of the secret is stored; the secret is shown once at creation.
    """

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("user")
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    expires = models.DateTimeField(_("expires"))
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- Invitations: the beheerder invites a partner's user, who sets a password and enrols TOTP -------------


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Invitation(BaseModel):
    """An invitation to a person of a partner organisation: name, e-mail address, roles and membership.

    Only a SHA-256 hash of the link's secret is stored; the link is shown to the beheerder (and e-mailed)
    when it is made or sent again (which makes a new secret, so an older link stops working). It works
    once, until ``expires``, and not after ``revoked``. Accepting it creates the account (user name: the
    e-mail address) with exactly these roles and a membership of ``organisation``; nothing else.
    """

    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"), max_length=150)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("organisation")
    )
    function_title = models.CharField(_("function title"), max_length=200, blank=True)
    roles = models.JSONField(_("roles"), default=list)
    token_hash = models.CharField(_("hash of the link's secret"), max_length=64, unique=True)
    expires = models.DateTimeField(_("expires"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    sent = models.DateTimeField(_("last sent"), default=timezone.now)
    times_sent = models.PositiveSmallIntegerField(_("times sent"), default=1)
    accepted = models.DateTimeField(_("accepted"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("account"),
    )
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    def status_at(self, moment=None) -> str:
        if self.accepted is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked is not None:
            return InvitationStatus.REVOKED
        if self.expires <= (moment or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return InvitationStatus(self.status).label


# --- Sign-in through the organisation's identity provider (OpenID Connect) ----------------------------


class OidcRoleMapping(BaseModel):
    """A group at the identity provider gives one of our roles in one partner organisation.

    Set by the beheerder. Roles stay ours (``policies.ROLES``): a mapping gives a role and a membership,
    never a grant in a covenant; what a role may see is still decided by the covenant's grants. Only a
    mapping with ``creates_accounts`` makes an account for someone who signs in for the first time.
    """

    group = models.CharField(
        _("group at the identity provider"),
        max_length=200,
        help_text=_("The exact value in the group claim, e.g. a group name or an Entra ID object id."),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="oidc_mappings", verbose_name=_("organisation")
    )
    role = models.ForeignKey(
        "auth.Group", on_delete=models.PROTECT, related_name="oidc_mappings", verbose_name=_("role")
    )
    creates_accounts = models.BooleanField(_("creates an account at the first sign-in"), default=False)

    class Meta:
        ordering = ["group", "organisation__name", "role__name"]
        verbose_name = _("sign-in mapping")
        verbose_name_plural = _("sign-in mappings")
        constraints = [
            models.UniqueConstraint(fields=["group", "organisation", "role"], name="oidc_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.role} @ {self.organisation}"


class OidcIdentity(BaseModel):
    """The link of a local account to one identity at the provider: its issuer and ``sub``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="oidc_identity",
        verbose_name=_("user"),
    )
    issuer = models.CharField(_("issuer"), max_length=300)
    subject = models.CharField(_("subject (sub)"), max_length=255)
    last_sign_in = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity at the provider")
        verbose_name_plural = _("identities at the provider")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.issuer})"


# --- Covenant and processing activities ----------------------------------------------------------


class CovenantStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Compartment(models.TextChoices):
    """Where a category of personal data lives; outside it a user sees only a coarse flag."""

    ALGEMEEN = "algemeen", _("General")
    ZORG = "zorg", _("Care")
    POLITIE = "politie", _("Police")
    CORPORATIE = "corporatie", _("Housing corporation")


class AvgGround(models.TextChoices):
    """The lawful basis of AVG (GDPR) article 6(1)."""

    CONSENT = "6.1.a", _("Art. 6(1)(a) consent")
    CONTRACT = "6.1.b", _("Art. 6(1)(b) contract")
    LEGAL_OBLIGATION = "6.1.c", _("Art. 6(1)(c) legal obligation")
    VITAL_INTERESTS = "6.1.d", _("Art. 6(1)(d) vital interests")
    PUBLIC_TASK = "6.1.e", _("Art. 6(1)(e) public task")
    LEGITIMATE_INTERESTS = "6.1.f", _("Art. 6(1)(f) legitimate interests")


class GrantScope(models.TextChoices):
    AREA = "area", _("Everything in the covenant area")
    PARTICIPATION = "participation", _("Own records and cases the organisation takes part in")


class GrantLevel(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class Covenant(BaseModel):
    """An agreement between partners about sharing data on addresses in some areas."""

    name = models.CharField(_("name"), max_length=200)
    # CBS codes (GM/WK/BU) as validated strings; the areas app will add real foreign keys later.
    area_codes = models.JSONField(_("areas (CBS codes)"), default=list)
    partners = models.ManyToManyField(
        Organisation, related_name="covenants", verbose_name=_("partner organisations")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    document_reference = models.CharField(_("document reference"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CovenantStatus.choices, default=CovenantStatus.DRAFT
    )
    dpia_reference = models.CharField(_("DPIA reference"), max_length=200, blank=True)
    dpia_date = models.DateField(_("DPIA date"), null=True, blank=True)
    privacy_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covenants_reviewed",
        verbose_name=_("privacy officer"),
    )
    #: when and why it was ended (``services.covenant_end``); shown to the partners' users
    ended = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")

    def __str__(self) -> str:
        return self.name


class ProcessingActivity(BaseModel):
    """A purpose with its legal basis, data categories, compartment and retention period."""

    covenant = models.ForeignKey(
        Covenant, on_delete=models.PROTECT, related_name="activities", verbose_name=_("covenant")
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    avg_ground = models.CharField(_("AVG ground"), max_length=8, choices=AvgGround.choices)
    legal_basis = models.CharField(
        _("law and article"), max_length=200, help_text=_('For example "Gemeentewet 151d" or "Wpg art. 20".')
    )
    data_categories = models.JSONField(_("data categories"), default=list)
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    retention_days = models.PositiveIntegerField(_("retention period (days)"))
    allows_names = models.BooleanField(_("names of residents allowed"), default=False)

    class Meta:
        ordering = ["covenant__name", "name"]
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")

    def __str__(self) -> str:
        return self.name


class ProcessingGrant(BaseModel):
    """Which organisation kind and role receive the data of an activity, and how far."""

    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.PROTECT, related_name="grants", verbose_name=_("activity")
    )
    organisation_kind = models.CharField(
        _("organisation kind"), max_length=32, choices=OrganisationKind.choices
    )
    role = models.ForeignKey(
        "auth.Group", on_delete=models.PROTECT, related_name="processing_grants", verbose_name=_("role")
    )
    scope = models.CharField(_("scope"), max_length=16, choices=GrantScope.choices)
    level = models.CharField(_("level"), max_length=8, choices=GrantLevel.choices, default=GrantLevel.READ)

    class Meta:
        verbose_name = _("processing grant")
        verbose_name_plural = _("processing grants")
        constraints = [
            models.UniqueConstraint(fields=["activity", "organisation_kind", "role"], name="grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.activity} → {self.organisation_kind}/{self.role}"


class ReuseDecision(BaseModel):
    """An explicit, logged decision that data of one activity may be read under another."""

    source = models.ForeignKey(
        ProcessingActivity,
        on_delete=models.PROTECT,
        related_name="reuse_from",
        verbose_name=_("collected under"),
    )
    target = models.ForeignKey(
        ProcessingActivity, on_delete=models.PROTECT, related_name="reuse_to", verbose_name=_("read under")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    motivation = models.TextField(_("motivation"))

    class Meta:
        verbose_name = _("reuse decision")
        verbose_name_plural = _("reuse decisions")
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="reuse_unique")]


# --- Audit and processing log (append-only, hash-chained; see audit.py) ---------------------------


class PolicyVersion(models.Model):
    """One row whose value changes whenever anything that decides access changes.

    Database triggers (migration 0004) give it a new random value on every insert, update or delete
    in the tables that ``access.policies`` reads (users, groups and permissions, memberships,
    organisations, covenants, partners, activities, grants, reuse decisions). A process may keep a
    user's computed access (``policies.policy_snapshot``) for as long as this value is unchanged.
    Random rather than a counter, so a rolled-back change can never reuse a value.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.CharField(max_length=64, default="initial")

    class Meta:
        verbose_name = _("policy version")

    def __str__(self) -> str:
        return self.value


class AppendOnlyError(RuntimeError):
    """Audit and processing-log rows are never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def _raw_delete(self, using):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")


class AppendOnlyModel(models.Model):
    """No update and no delete path; no foreign keys, so nothing can cascade into these rows."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


class AuditRecord(AppendOnlyModel):
    """Who did what to which object, with which result, for which purpose, when and from where."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True)
    actor = models.CharField(_("actor"), max_length=150)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    result = models.CharField(_("result"), max_length=16)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    origin = models.CharField(_("origin"), max_length=200, blank=True)
    trace_id = models.CharField(_("trace id"), max_length=32, db_index=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.result}"


class ProcessingLogRecord(AppendOnlyModel):
    """One processing operation, shaped after the Logboek Dataverwerkingen standard."""

    id = models.BigAutoField(primary_key=True)
    trace_id = models.CharField(_("trace id"), max_length=32)
    span_id = models.CharField(_("span id"), max_length=16)
    parent_span_id = models.CharField(_("parent span id"), max_length=16, blank=True)
    name = models.CharField(_("operation"), max_length=64)
    start_time = models.DateTimeField(_("start"))
    end_time = models.DateTimeField(_("end"))
    status_code = models.CharField(_("status"), max_length=8)
    activity_id = models.CharField(_("processing activity"), max_length=80)
    activity_uuid = models.CharField(_("processing activity UUID"), max_length=36, blank=True)
    data_subject_type = models.CharField(_("data subject type"), max_length=32, blank=True)
    data_subject_id = models.CharField(_("data subject (pseudonym)"), max_length=64, blank=True)
    audit_hash = models.CharField(_("audit record hash"), max_length=64)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("processing log record")
        verbose_name_plural = _("processing log records")
        default_permissions = ("view",)
        # Plain indexes for the lookups that are made (trace, activity, inzage by data subject), none
        # for pattern matching: every processing operation writes a row here.
        indexes = [
            models.Index(fields=["trace_id"], name="log_trace"),
            models.Index(fields=["activity_id"], name="log_activity"),
            models.Index(fields=["data_subject_type", "data_subject_id"], name="log_subject"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} {self.activity_id}"


class LogCheckpoint(AppendOnlyModel):
    """What a purge of the audit or processing log removed: the removed prefix of one chain, its last
    hash (the previous hash of the first row kept) and a signature over it, so the remaining chain still
    verifies from here and the removed part can be shown to have existed. Checkpoints form a chain of
    their own. Written only by ``access.audit.logs_purge``; append-only like the logs."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"))
    table = models.CharField(_("log"), max_length=64)
    up_to_id = models.BigIntegerField(_("removed up to id"))
    removed = models.BigIntegerField(_("records removed"))
    removed_until = models.DateTimeField(_("records older than"))
    last_hash = models.CharField(_("hash of the last removed record"), max_length=64)
    previous_signature = models.CharField(_("previous checkpoint's signature"), max_length=64)
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("log checkpoint")
        verbose_name_plural = _("log checkpoints")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.table} ≤ #{self.up_to_id} ({self.removed})"
