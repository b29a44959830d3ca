# SPDX-License-Identifier: EUPL-1.2
"""The usual signal kinds of the method, each under the usual processing activity of a covenant (by the
activity's code). An instance without the demo starts without signal kinds; once the covenant's
activities exist, whoever keeps the catalogue adds the usual kinds in one step (``/adressen/signaalsoorten/``)
and edits them later. The demo uses the same list."""

from __future__ import annotations

from django.db import transaction

from smaakmaker.access.audit import Origin, audit_record
from smaakmaker.access.models import ProcessingActivity
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.cases.models import Flavour, SignalKind

#: (code, label, activity code, flavour)
USUAL_KINDS = (
    ("overlast", "Overlast", "signalering-leefbaarheid", Flavour.ZUUR),
    ("overbewoning", "Overbewoning", "signalering-leefbaarheid", Flavour.BITTER),
    ("verwaarlozing", "Verwaarlozing woning", "signalering-leefbaarheid", Flavour.ZOUT),
    ("woonfraude", "Woonfraude / onderhuur", "woonfraude-huurachterstand", Flavour.BITTER),
    ("huurachterstand", "Huurachterstand", "woonfraude-huurachterstand", Flavour.ZOUT),
    ("zorgsignaal", "Zorgsignaal", "zorgsignalen", Flavour.ZOUT),
    ("hennep-drugs", "Hennep / drugs", "politie-informatie", Flavour.ZUUR),
    ("criminele-uitstraling", "Criminele uitstraling", "politie-informatie", Flavour.ZUUR),
)

MANAGE = "cases.add_signalkind"


def signal_kinds_missing() -> list[tuple[str, str, ProcessingActivity]]:
    """The usual kinds not yet in the catalogue whose activity exists: (code, label, activity)."""
    present = set(SignalKind.objects.values_list("code", flat=True))
    activities = {a.code: a for a in ProcessingActivity.objects.filter(code__in={k[2] for k in USUAL_KINDS})}
    return [
        (code, label, activities[activity])
        for code, label, activity, _flavour in USUAL_KINDS
        if code not in present and activity in activities
    ]


@transaction.atomic
def signal_kinds_usual_add(*, actor, origin: Origin | None = None) -> list[SignalKind]:
    """Add the usual kinds under the covenant's activities (those not there yet), audited."""
    if actor is not None and not actor.has_perm(MANAGE):
        raise NotPermitted("Uw rol mag geen signaalsoorten toevoegen.")
    flavours = {code: flavour for code, _label, _activity, flavour in USUAL_KINDS}
    created = [
        SignalKind.objects.create(code=code, label=label, activity=activity, flavour=flavours[code])
        for code, label, activity in signal_kinds_missing()
    ]
    if created:
        audit_record(
            actor=actor,
            action="signalkind.create",
            object_type="cases.signalkind",
            object_id=",".join(k.code for k in created),
            reason=f"gebruikelijke signaalsoorten: {len(created)}",
            origin=origin,
        )
    return created
