# SPDX-License-Identifier: EUPL-1.2
"""What a covenant forbids in content is enforced (issue "need-to-know in the address register", point 8).

Under a processing activity without ``allows_names``, free text naming a resident of the register is
refused, and text that looks like a name needs a confirmation, recorded in the audit record of the write,
on every path: the services, the bulk ingestion API, the case and decision API, and the pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, Organisation, ProcessingActivity
from smaakmaker.cases import services
from smaakmaker.cases.errors import RegisterError, ResidentNameRefused
from smaakmaker.cases.models import Case, CaseEvent, Decision, Resident, Signal, SignalKind

from .conftest import WIJKTEAM

pytestmark = pytest.mark.django_db

EXAMPLE = "Harde muziek na 23 uur, Jan Jansen uit nr 5"
REFUSED = "De tekst bevat de naam van een bewoner; namen zijn onder deze verwerking niet toegestaan."
CONFIRM_LABEL = "Ik bevestig dat deze tekst geen naam van een bewoner bevat"
JSON = "application/json"


@pytest.fixture
def jan_jansen(world):
    """A resident recorded by the wijkteam at A1, under care signals (which allow names)."""
    return Resident.objects.create(
        address=world.addresses["A1"],
        activity=ProcessingActivity.objects.get(code="zorgsignalen"),
        source_organisation=Organisation.objects.get(name=WIJKTEAM),
        name="Jan Jansen",
    )


def _signal(world, username="professional", description=EXAMPLE, kind="overlast", address="A2", **kwargs):
    return services.signal_record(
        actor=world.users[username],
        address=world.addresses[address],
        kind=SignalKind.objects.get(code=kind),
        observed_on=timezone.localdate() - timedelta(days=1),
        description=description,
        **kwargs,
    )


def test_the_issue_example_is_refused_when_jan_jansen_is_a_resident(world, jan_jansen):
    before = Signal.objects.count()
    with pytest.raises(ResidentNameRefused) as refused:
        _signal(world, confirm_no_names=True)  # a confirmation does not help
    assert refused.value.message == REFUSED and refused.value.field == "description"
    assert "Fictiefstraat" not in refused.value.message  # where the resident lives stays unsaid
    assert Signal.objects.count() == before
    record = AuditRecord.objects.filter(action="signal.create").get()
    assert (record.result, record.actor) == ("invalid", "professional")
    assert "Jan" not in record.reason and EXAMPLE not in record.reason


def test_the_issue_example_needs_a_confirmation_otherwise(world):
    with pytest.raises(RegisterError) as asked:
        _signal(world)
    assert (asked.value.code, asked.value.field) == ("confirm_no_names", "description")
    assert "bevestig dat deze tekst geen naam van een bewoner bevat" in asked.value.message
    signal = _signal(world, confirm_no_names=True)
    record = AuditRecord.objects.get(action="signal.create", object_id=str(signal.uuid))
    assert record.reason.startswith(f"{services.NAMES_CONFIRMED} (description)")


def test_plain_text_needs_no_confirmation_and_is_not_marked(world, jan_jansen):
    signal = _signal(world, description="Harde muziek na 23 uur, bewoner van nr 5")
    assert AuditRecord.objects.get(action="signal.create", object_id=str(signal.uuid)).reason == ""


def test_an_activity_that_allows_names_takes_them(world, jan_jansen):
    signal = _signal(world, username="wijkteam", kind="zorgsignaal", address="A1", description=EXAMPLE)
    assert signal.description == EXAMPLE


def test_case_and_decision_texts_are_checked_too(world, jan_jansen):
    regisseur = world.users["regisseur"]
    casusoverleg = ProcessingActivity.objects.get(code="casusoverleg")
    with pytest.raises(ResidentNameRefused) as refused:
        services.case_open(
            actor=regisseur,
            address=world.addresses["A4"],
            activity=casusoverleg,
            summary="Zorgen om J. Jansen",
        )
    assert refused.value.field == "summary"
    with pytest.raises(ResidentNameRefused):
        services.case_transition(
            actor=regisseur, case=world.case, to_status="to_discuss", note="jansen belde"
        )
    decision = {"what": "Hulpaanbod", "legal_basis": "Wmo 2015", "motivation": "m", "milder_alternative": "a"}
    for field in decision:
        with pytest.raises(ResidentNameRefused) as refused:
            services.decision_record(actor=regisseur, case=world.case, **{**decision, field: "Jan Jansen"})
        assert refused.value.field == field
    with pytest.raises(RegisterError) as asked:
        services.decision_record(
            actor=regisseur, case=world.case, **{**decision, "motivation": "Met mw. De Vries"}
        )
    assert (asked.value.code, asked.value.field) == ("confirm_no_names", "motivation")
    services.decision_record(
        actor=regisseur,
        case=world.case,
        confirm_no_names=True,
        **{**decision, "motivation": "Met mw. De Vries"},
    )
    assert Decision.objects.filter(motivation="Met mw. De Vries").exists()
    assert not CaseEvent.objects.filter(note__icontains="jansen").exists()
    assert AuditRecord.objects.filter(result="invalid").count() == 6
    assert AuditRecord.objects.get(action="decision.create", result="ok").reason.startswith(
        services.NAMES_CONFIRMED
    )


# --- API ------------------------------------------------------------------------------------------


def _item(world, description="Geluidsoverlast in de nacht", **extra):
    a2 = world.addresses["A2"]
    return {
        "bag_nummeraanduiding_id": a2.bag_nummeraanduiding_id,
        "address": {
            "street": a2.street,
            "house_number": a2.house_number,
            "postcode": a2.postcode,
            "city": a2.city,
            "buurt_code": a2.buurt_code,
        },
        "kind": "overlast",
        "observed_on": "2024-06-01",
        "description": description,
        **extra,
    }


def _ingest(client, items, key):
    return client.post("/api/v1/signals", {"signals": items}, content_type=JSON, HTTP_IDEMPOTENCY_KEY=key)


def test_ingestion_refuses_the_whole_batch_for_a_resident_name(world, api, jan_jansen):
    before = Signal.objects.count()
    items = [_item(world), _item(world, EXAMPLE, confirm_no_names=True), _item(world)]
    response = _ingest(api("professional"), items, "names-1")
    assert response.status_code == 400, response.content
    params = response.json()["invalidParams"]
    assert [(p["name"], p["code"], p["reason"]) for p in params] == [
        ("signals.1.description", "resident_name", REFUSED)
    ]
    assert Signal.objects.count() == before
    assert AuditRecord.objects.filter(action="signal.ingest").get().result == "invalid"


def test_ingestion_asks_for_the_confirmation_per_item_and_records_it(world, api):
    client = api("professional")
    items = [_item(world), _item(world, EXAMPLE), _item(world, "mevrouw De Vries belde")]
    asked = _ingest(client, items, "names-2")
    assert asked.status_code == 400
    assert [(p["name"], p["code"]) for p in asked.json()["invalidParams"]] == [
        ("signals.1.description", "confirm_no_names"),
        ("signals.2.description", "confirm_no_names"),
    ]
    items[1]["confirm_no_names"] = items[2]["confirm_no_names"] = True
    stored = _ingest(client, items, "names-3")
    assert stored.status_code == 201, stored.content
    assert Signal.objects.filter(description=EXAMPLE).count() == 1
    reason = AuditRecord.objects.get(action="signal.ingest").reason
    assert reason == f"Idempotency-Key names-3; {services.NAMES_CONFIRMED}: 2 item(s): 1, 2"


def test_case_and_decision_api_enforce_and_record(world, api, jan_jansen):
    client = api("regisseur")
    url = f"/api/v1/cases/{world.case.uuid}/decisions"
    decision = {"what": "Hulpaanbod", "legal_basis": "Wmo 2015", "motivation": "m", "milder_alternative": "a"}
    refused = client.post(url, {**decision, "what": "Hulp voor Jan Jansen"}, content_type=JSON)
    assert refused.status_code == 400
    assert [(p["name"], p["code"], p["reason"]) for p in refused.json()["invalidParams"]] == [
        ("what", "resident_name", REFUSED)
    ]
    asked = client.post(url, {**decision, "motivation": "Overleg met dhr. Pietersen"}, content_type=JSON)
    assert [(p["name"], p["code"]) for p in asked.json()["invalidParams"]] == [
        ("motivation", "confirm_no_names")
    ]
    done = client.post(
        url,
        {**decision, "motivation": "Overleg met dhr. Pietersen", "confirm_no_names": True},
        content_type=JSON,
    )
    assert done.status_code == 201, done.content
    transition = client.post(
        f"/api/v1/cases/{world.case.uuid}/transitions",
        {"to_status": "to_discuss", "note": "Bespreken met Kees de Boer"},
        content_type=JSON,
    )
    assert [(p["name"], p["code"]) for p in transition.json()["invalidParams"]] == [
        ("note", "confirm_no_names")
    ]
    opened = client.post(
        "/api/v1/cases",
        {
            "address": str(world.addresses["A4"].uuid),
            "processing_activity": "casusoverleg",
            "summary": "JAN JANSEN",
        },
        content_type=JSON,
    )
    assert [(p["name"], p["code"]) for p in opened.json()["invalidParams"]] == [("summary", "resident_name")]
    assert Case.objects.count() == 1


# --- Pages ----------------------------------------------------------------------------------------


def test_signal_page_shows_the_confirmation_only_when_asked_and_then_records(world, signed_in):
    client = signed_in("professional")
    url = reverse("cases:signal_create", args=[world.addresses["A2"].uuid])
    assert CONFIRM_LABEL not in client.get(url).content.decode()
    kind = SignalKind.objects.get(code="overlast")
    data = {"kind": kind.pk, "observed_on": "2024-06-01", "description": EXAMPLE}
    asked = client.post(url, data)
    html = asked.content.decode()
    assert asked.status_code == 200 and CONFIRM_LABEL in html
    assert "geen naam van een bewoner bevat." in html  # the message next to the text
    assert not Signal.objects.filter(description=EXAMPLE).exists()
    done = client.post(url, {**data, "confirm_no_names": "on"})
    assert done.status_code == 302
    signal = Signal.objects.get(description=EXAMPLE)
    assert AuditRecord.objects.get(object_id=str(signal.uuid)).reason.startswith(services.NAMES_CONFIRMED)


def test_signal_page_refuses_a_resident_name(world, signed_in, jan_jansen):
    client = signed_in("professional")
    url = reverse("cases:signal_create", args=[world.addresses["A2"].uuid])
    kind = SignalKind.objects.get(code="overlast")
    response = client.post(
        url, {"kind": kind.pk, "observed_on": "2024-06-01", "description": EXAMPLE, "confirm_no_names": "on"}
    )
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert not Signal.objects.filter(description=EXAMPLE).exists()


def test_decision_page_asks_for_the_confirmation(world, signed_in):
    client = signed_in("regisseur")
    url = reverse("cases:decision_create", args=[world.case.uuid])
    data = {
        "what": "Hulpaanbod",
        "legal_basis": "Wmo 2015",
        "motivation": "Met mevrouw De Vries",
        "milder_alternative": "a",
    }
    asked = client.post(url, data)
    assert asked.status_code == 200 and CONFIRM_LABEL in asked.content.decode()
    assert client.post(url, {**data, "confirm_no_names": "on"}).status_code == 302
    assert Decision.objects.filter(motivation="Met mevrouw De Vries").exists()
