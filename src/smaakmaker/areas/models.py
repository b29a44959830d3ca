# SPDX-License-Identifier: EUPL-1.2
"""Areas (CBS gemeente/wijk/buurt and custom areas), the indicator catalogue and indicator values.

Area statistics only: nothing here is about persons.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smaakmaker.common.models import BaseModel


class AreaLevel(models.TextChoices):
    LAND = "land", _("Country")
    GEMEENTE = "gemeente", _("Municipality")
    STADSDEEL = "stadsdeel", _("City district (stadsdeel)")
    GEBIED = "gebied", _("Area of a city (gebied)")
    WIJK = "wijk", _("District (wijk)")
    BUURT = "buurt", _("Neighbourhood (buurt)")
    CUSTOM = "eigen", _("Custom area")


class CustomKind(models.TextChoices):
    VAKANTIEPARK = "vakantiepark", _("Holiday park")
    BEDRIJVENTERREIN = "bedrijventerrein", _("Business park")
    OVERIG = "overig", _("Other")


class Area(BaseModel):
    """One area, identified by its CBS code (``GM0363``, ``WK036301``, ``BU0363AE01``) or a custom code.

    A code is stored once; ``classification_year`` is the first CBS classification year
    ("indelingsjaar") in which we saw it and ``last_year`` the last one, so that values of several
    years hang on one area. Codes that changed between years are linked through :class:`AreaCrosswalk`.
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=AreaLevel.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    classification_year = models.PositiveSmallIntegerField(_("classification year"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    gemeente_code = models.CharField(_("municipality code"), max_length=6, blank=True, db_index=True)
    geometry = models.JSONField(_("geometry (GeoJSON, WGS84)"), null=True, blank=True)
    custom_kind = models.CharField(
        _("kind of custom area"), max_length=20, choices=CustomKind.choices, blank=True
    )
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="custom_areas",
        verbose_name=_("member neighbourhoods"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="eigen") | ~Q(custom_kind=""), name="custom_area_has_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def scan_gemeente_code(self) -> str:
        """The gemeente whose areas the scan compares this area within ("" for a gemeente: all of them)."""
        return "" if self.level == AreaLevel.GEMEENTE else self.gemeente_code


class AreaCrosswalk(models.Model):
    """A code of one classification year that continues as a code of a later year."""

    old_code = models.CharField(_("old code"), max_length=16, db_index=True)
    old_year = models.PositiveSmallIntegerField(_("last year of the old code"))
    new_code = models.CharField(_("new code"), max_length=16, db_index=True)
    new_year = models.PositiveSmallIntegerField(_("first year of the new code"))
    source = models.CharField(_("source"), max_length=200)
    #: Derived from the geometry (:mod:`smaakmaker.areas.overlap`): the part of the old area in the new
    #: one and the part of the new area from the old one, in addresses or surface (``basis``). Empty
    #: for a published crosswalk that gives no shares (Amsterdam's buurt register).
    share_of_old = models.FloatField(_("share of the old area"), null=True, blank=True)
    share_of_new = models.FloatField(_("share of the new area"), null=True, blank=True)
    basis = models.CharField(_("measured in"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("code crosswalk")
        verbose_name_plural = _("code crosswalks")
        constraints = [models.UniqueConstraint(fields=["old_code", "new_code"], name="crosswalk_unique_pair")]

    def __str__(self) -> str:
        return f"{self.old_code} ({self.old_year}) → {self.new_code} ({self.new_year})"


class AreaShape(models.Model):
    """The shape an area had in the classification years ``first_year``–``last_year`` where it differs
    from its current shape (:attr:`Area.geometry`, the latest year loaded): a buurt that kept its code
    while CBS redrew it. Used to place addresses in the buurten of those years."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="shapes", verbose_name=_("area"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    geometry = models.JSONField(_("geometry (GeoJSON, WGS84)"))

    class Meta:
        verbose_name = _("earlier shape")
        verbose_name_plural = _("earlier shapes")
        constraints = [models.UniqueConstraint(fields=["area", "first_year"], name="area_shape_first_year")]

    def __str__(self) -> str:
        return f"{self.area.code} {self.first_year}–{self.last_year}"


class Theme(models.TextChoices):
    INKOMEN = "inkomen", _("Income & livelihood")
    WONEN = "wonen", _("Housing")
    VEILIGHEID = "veiligheid", _("Safety")
    VOORZIENINGEN = "voorzieningen", _("Facilities")
    ZORG_JEUGD = "zorg_jeugd", _("Care & youth")
    BEVOLKING = "bevolking", _("Population (context)")


class Direction(models.TextChoices):
    WORSE = "worse", _("higher is worse")
    BETTER = "better", _("higher is better")
    CONTEXT = "context", _("context only")


class Indicator(models.Model):
    """An entry of the indicator catalogue; seeded from ``sources/cbs_columns.py``, editable in beheer."""

    key = models.CharField(_("id"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    sources = models.JSONField(_("source tables and columns"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["theme", "key"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.label


class ImportBatch(BaseModel):
    """One import of a file or an API table; re-importing identical content changes nothing."""

    source = models.CharField(_("source"), max_length=300)
    sha256 = models.CharField(_("content hash"), max_length=64, db_index=True)
    table_id = models.CharField(_("CBS table"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    values = models.PositiveIntegerField(_("values"), default=0)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("imported by"),
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.source


class IndicatorValue(models.Model):
    """The value of one indicator for one area in one year. ``value`` is NULL when CBS kept it secret or
    did not publish it; a missing value is never stored as zero."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="values", verbose_name=_("area"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"), null=True, blank=True)
    source = models.CharField(_("source column"), max_length=300, blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="indicator_values")

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["area", "indicator", "year"], name="indicator_value_unique"),
        ]
        indexes = [models.Index(fields=["indicator", "year"])]

    def __str__(self) -> str:
        return f"{self.area.code} {self.indicator.key} {self.year}"


class HomeGemeente(BaseModel):
    """The gemeente this installation serves, named by the beheerder on the first-run page (one row).

    Its CBS code is the default of the map and the filter of the boundary and address uploads."""

    code = models.CharField(_("municipality code"), max_length=6)
    name = models.CharField(_("name"), max_length=200)
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("own municipality")
        verbose_name_plural = _("own municipality")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
