# SPDX-License-Identifier: EUPL-1.2
"""Issue 13 point 5, without a browser: an instance without the demo starts empty but for the first
beheerder, opens on the first-run page, and takes the gemeente's boundaries, CBS figures and BAG
addresses as uploads (all or nothing, audited, beheerder only); every empty page says what next."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from smaakmaker.access.models import AuditRecord
from smaakmaker.access.services import user_create
from smaakmaker.areas.bundled import data_dir
from smaakmaker.areas.models import Area, HomeGemeente, ImportBatch, IndicatorValue
from smaakmaker.areas.tests.cbs_gpkg import groningen_2017_layers, write_wijkbuurtkaart
from smaakmaker.cases.models import Address, AddressArea, AddressUpload
from smaakmaker.web.tests.groningen import BAG_CSV, BUURTEN_CSV, WIJKEN_CSV, geojson_from_csv

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord-2026"


@pytest.fixture
def empty(settings):
    """An instance without the demo: no areas, no addresses, one beheerder (``createadmin``)."""
    settings.DEMO = False
    return user_create(
        username="eerste",
        password=PASSWORD,
        email="",
        roles=["beheerder"],
        organisation=None,
        is_superuser=True,
    )


@pytest.fixture
def admin(client, empty):
    client.force_login(empty)
    return client


def _name_groningen(client):
    response = client.post(reverse("web:first_run"), {"name": "Groningen", "code": "GM0014"})
    assert response.status_code == 302


def _upload(client, action, path: Path, name: str | None = None, **extra):
    with path.open("rb") as handle:
        data = {f"{action}-file": SimpleUploadedFile(name or path.name, handle.read()), **extra}
    return client.post(reverse("areas:upload") + f"?soort={action}", data)


def test_the_beheerder_opens_on_the_first_run_and_names_the_gemeente(admin, empty):
    response = admin.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("web:first_run")
    page = admin.get(reverse("web:first_run")).content.decode()
    assert "Eerste start" in page and "0 van 6 stappen klaar" in page
    # a bad code: the error next to the field, nothing stored
    response = admin.post(reverse("web:first_run"), {"name": "Groningen", "code": "0014"})
    assert response.status_code == 400
    assert "Een gemeentecode ziet eruit als GM0363." in response.content.decode()
    assert not HomeGemeente.objects.exists()
    _name_groningen(admin)
    home = HomeGemeente.objects.get()
    assert (home.name, home.code, home.named_by) == ("Groningen", "GM0014", empty)
    assert AuditRecord.objects.filter(action="areas.home_gemeente", actor="eerste").count() == 1
    assert admin.get("/").status_code == 200  # named: the dashboard, with a link back to the first run
    assert reverse("web:first_run") in admin.get("/").content.decode()


def test_with_the_demo_on_nobody_is_sent_to_the_first_run(client, empty, settings):
    settings.DEMO = True
    client.force_login(empty)
    assert client.get("/").status_code == 200
    assert 'data-testid="first-run-link"' not in client.get("/").content.decode()


def test_other_roles_cannot_open_the_first_run_or_the_uploads(client, empty, demo_users):
    for username in ("regisseur", "analist"):  # the analist imports areas on the command line, not here
        client.force_login(demo_users[username])
        for name in ("web:first_run", "areas:upload", "cases:address_upload"):
            assert client.get(reverse(name)).status_code == 403
        assert client.get("/").status_code == 200  # no redirect for them


def test_boundaries_figures_and_the_scan_of_groningen_2017(admin, tmp_path):
    _name_groningen(admin)
    gpkg = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2017.gpkg", 2017, groningen_2017_layers(data_dir()))
    response = _upload(admin, "grenzen", gpkg)
    assert response.status_code == 302
    assert Area.objects.filter(gemeente_code="GM0014", level="buurt", geometry__isnull=False).count() == 108
    assert AuditRecord.objects.filter(action="areas.boundaries_import").count() == 1
    for path in (BUURTEN_CSV, WIJKEN_CSV):
        assert _upload(admin, "cijfers", path).status_code == 302
    assert AuditRecord.objects.filter(action="areas.figures_import").count() == 2
    page = admin.get(reverse("web:first_run")).content.decode()
    assert "2017: 15 wijken, 108 buurten" in page
    assert "open de wijkscan van 2017" in page
    # the 2017 map carries only population and household figures: no index, said plainly, not empty
    page = admin.get(reverse("areas:map") + "?niveau=buurt&gemeente=GM0014&jaar=2017").content.decode()
    assert "alleen cijfers geladen die niet in de kwetsbaarheidsindex tellen (8:" in page
    assert "geen index: geen van de cijfers van dit jaar telt mee" in page
    assert "Binnenstad-Noord" in page
    assert "(–––)" not in page  # no interval without an index
    assert "grenzen (Wijk- en buurtkaart)" in admin.get(reverse("areas:upload")).content.decode()
    page = admin.get(
        reverse("areas:map") + "?niveau=buurt&gemeente=GM0014&jaar=2017&kleur=eenpersoonshuishoudens_pct"
    ).content.decode()
    assert "hoger is niet kwetsbaarder" in page


def test_boundaries_as_geojson_layers(admin, tmp_path):
    _name_groningen(admin)
    for source, name in ((WIJKEN_CSV, "wijken_2017.geojson"), (BUURTEN_CSV, "buurten_2017.geojson")):
        assert _upload(admin, "grenzen", geojson_from_csv(source, tmp_path / name)).status_code == 302
    assert Area.objects.filter(gemeente_code="GM0014", geometry__isnull=False).count() == 123


@pytest.mark.parametrize(
    ("action", "name", "content", "message"),
    [
        ("grenzen", "buurten_2017.geojson", b"{not json", "buurten_2017.geojson"),
        ("grenzen", "buurten.shp", b"x", "is geen bestand dat deze pagina aanneemt"),
        ("cijfers", "kerncijfers.csv", b"", "is leeg"),
        ("cijfers", "kerncijfers.csv", b"Codering;Inwoners\nBU00140000;12\n", "geen kolom met Kerncijfers"),
        ("cijfers", "kerncijfers.csv", b"BU_CODE,AANT_INW\nBU00140000,12\nBU00140001,veel\n", "regel 3"),
    ],
)
def test_a_bad_file_stores_nothing_and_says_where(admin, action, name, content, message):
    _name_groningen(admin)
    batches = ImportBatch.objects.count()
    response = admin.post(
        reverse("areas:upload") + f"?soort={action}", {f"{action}-file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == batches
    assert not Area.objects.exists() and not IndicatorValue.objects.exists()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(admin, settings):
    _name_groningen(admin)
    settings.UPLOAD_MAX_BYTES = 1000
    response = _upload(admin, "cijfers", BUURTEN_CSV)
    assert response.status_code == 413
    assert "groter dan" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_uploads_wait_for_the_gemeente(admin):
    response = _upload(admin, "cijfers", BUURTEN_CSV)
    assert response.status_code == 400
    assert "Geef eerst de naam van uw gemeente" in response.content.decode()


def test_bag_addresses_in_the_web_with_the_report_of_the_four_outside(admin, tmp_path):
    _name_groningen(admin)
    gpkg = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2017.gpkg", 2017, groningen_2017_layers(data_dir()))
    _upload(admin, "grenzen", gpkg)
    response = admin.post(
        reverse("cases:address_upload"), {"file": SimpleUploadedFile(BAG_CSV.name, BAG_CSV.read_bytes())}
    )
    assert response.status_code == 302
    upload = AddressUpload.objects.get()
    assert upload.status == "done" and upload.content == b""  # run inline in tests; content emptied
    assert Address.objects.count() == 242
    assert AddressArea.objects.filter(year=2017).exclude(buurt_code="").count() == 238
    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="in-buurt-2017">238<' in page
    assert "Haren Gn: 3, Eelderwolde: 1" in page
    assert AuditRecord.objects.filter(action="address.upload").count() == 1
    assert AuditRecord.objects.filter(action="address.import").count() == 1
    page = admin.get(reverse("web:first_run")).content.decode()
    assert "242 adressen" in page and "in een buurt van 2017: 238" in page
    # the same file again changes nothing
    admin.post(
        reverse("cases:address_upload"), {"file": SimpleUploadedFile(BAG_CSV.name, BAG_CSV.read_bytes())}
    )
    assert (
        AddressUpload.objects.first()
        .report["lines"][0]
        .startswith("242 adressen gelezen: 0 nieuw, 0 gewijzigd, 242")
    )


def test_a_bad_address_list_is_refused_with_its_line_and_nothing_stored(admin):
    _name_groningen(admin)
    lines = BAG_CSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[5].split(",")
    bad[header.index("huisnummer")] = "vijf"
    content = "\n".join([lines[0], *lines[1:5], ",".join(bad), *lines[6:]]).encode()
    response = admin.post(
        reverse("cases:address_upload"), {"file": SimpleUploadedFile("adressen.csv", content)}
    )
    upload = AddressUpload.objects.get()
    assert upload.status == "refused"
    assert "regel 6" in upload.message and "huisnummer" in upload.message
    assert not Address.objects.exists()
    page = admin.get(response["Location"]).content.decode()
    assert "Er is niets ingelezen" in page


def test_address_upload_takes_only_address_files(admin):
    response = admin.post(
        reverse("cases:address_upload"), {"file": SimpleUploadedFile("adressen.pdf", b"%PDF")}
    )
    assert (
        response.status_code == 400
        and "is geen bestand dat deze pagina aanneemt" in response.content.decode()
    )
    response = admin.post(
        reverse("cases:address_upload"),
        {"file": SimpleUploadedFile("a.csv", b"x"), "columns": "straat Straatnaam"},
    )
    assert response.status_code == 400 and "Regel 1: schrijf VELD=KOLOM" in response.content.decode()
    assert not AddressUpload.objects.exists()


@pytest.mark.parametrize(
    ("user", "url", "says"),
    [
        ("eerste", "areas:index", "Nog geen gebieden geladen."),
        ("regisseur", "areas:index", "De applicatiebeheerder (beheerder) laadt"),
        ("eerste", "areas:map", "Er zijn nog geen CBS-cijfers"),
        ("regisseur", "cases:index", "Het adresregister heeft nog geen adressen."),
        ("regisseur", "plans:index", "Er is nog geen wijkaanpak."),
        ("analist", "monitoring:index", "Nog geen effectevaluaties."),
        ("regisseur", "access:covenants", "Begin met een nieuw convenant"),
    ],
)
def test_every_empty_page_says_what_to_do_next(client, empty, demo_users, user, url, says):
    client.force_login(empty if user == "eerste" else demo_users[user])
    response = client.get(reverse(url))
    assert response.status_code == 200
    assert says in response.content.decode()


def test_setup_without_the_demo_makes_the_first_beheerder_once(settings, monkeypatch):
    settings.DEMO = False
    out = io.StringIO()
    call_command("setup", stdout=out)
    assert "createadmin NAAM" in out.getvalue()
    assert not get_user_model().objects.exists()
    with pytest.raises(CommandError):
        call_command("setup", beheerder="eerste", stdout=out)  # not on a console: no password to ask
    monkeypatch.setitem(os.environ, "EERSTE_WACHTWOORD", PASSWORD)
    call_command("setup", beheerder="eerste", password_from_env="EERSTE_WACHTWOORD", stdout=out)
    user = get_user_model().objects.get()
    assert user.username == "eerste" and user.is_superuser and user.check_password(PASSWORD)
    assert user.has_perm("areas.add_importbatch") and user.has_perm("cases.import_addresses")
    out = io.StringIO()
    call_command("setup", stdout=out)
    assert "Een beheerder bestaat al" in out.getvalue()


def test_setup_on_its_own_in_a_new_data_folder_migrates_first(tmp_path):
    """As the README shows it for an instance without the demo: ``setup`` on a data folder nothing has
    touched yet brings the database up to date, then makes the first beheerder."""
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        SMAAKMAKER_VAR_DIR=str(tmp_path),
        SMAAKMAKER_DEMO="0",
        EERSTE_WACHTWOORD=PASSWORD,
        DJANGO_SETTINGS_MODULE="",
    )
    env.pop("DJANGO_SETTINGS_MODULE")
    manage = Path(django_settings.PROJECT_DIR) / "manage.py"
    command = [
        sys.executable,
        str(manage),
        "setup",
        "--beheerder",
        "eerste",
        "--password-from-env",
        "EERSTE_WACHTWOORD",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Log in als eerste" in done.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "smaakmaker.sqlite3") as db:
        assert db.execute("SELECT username, is_superuser FROM auth_user").fetchall() == [("eerste", 1)]
        assert db.execute("SELECT without_demo FROM common_instancestart").fetchall() == [(1,)]


def test_setup_with_the_demo_loads_it(settings):
    settings.DEMO = True
    call_command("setup", stdout=io.StringIO())
    assert get_user_model().objects.filter(username="beheerder").exists()


def test_setup_with_the_demo_on_refuses_a_first_beheerder_and_loads_nothing(settings):
    """Asking for the first beheerder of an empty instance while the demo is on (SMAAKMAKER_DEMO left at
    its default) must not load the demo into it instead."""
    settings.DEMO = True
    with pytest.raises(CommandError, match="SMAAKMAKER_DEMO=0"):
        call_command("setup", beheerder="eerste", password_from_env="X", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_the_demo_is_never_loaded_into_an_instance_started_without_it(settings, monkeypatch):
    """`scripts/run` without --zonder-demo on a data folder that was started empty must not mix the
    fictional demo into the gemeente's own data."""
    settings.DEMO = False
    monkeypatch.setitem(os.environ, "EERSTE_WACHTWOORD", PASSWORD)
    call_command("setup", beheerder="eerste", password_from_env="EERSTE_WACHTWOORD", stdout=io.StringIO())
    settings.DEMO = True
    for command in ("setup", "demo"):
        with pytest.raises(CommandError, match="zonder demo begonnen"):
            call_command(command, stdout=io.StringIO())
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["eerste"]
    assert not Area.objects.exists()


@pytest.mark.parametrize("username", ["beheerder", None])
def test_the_demo_is_refused_after_a_start_without_it_whatever_the_user_names(
    settings, monkeypatch, username
):
    """The first beheerder may well be called "beheerder" (a demo user name), or not be made yet: the
    start without the demo is recorded, and the demo is refused on it."""
    from smaakmaker.common.models import InstanceStart

    settings.DEMO = False
    monkeypatch.setitem(os.environ, "EERSTE_WACHTWOORD", PASSWORD)
    extra = {"beheerder": username, "password_from_env": "EERSTE_WACHTWOORD"} if username else {}
    call_command("setup", stdout=io.StringIO(), **extra)
    assert InstanceStart.objects.filter(without_demo=True).count() == 1
    call_command("setup", stdout=io.StringIO(), **({"beheerder": username} if username else {}))
    assert InstanceStart.objects.count() == 1  # marked once
    settings.DEMO = True
    with pytest.raises(CommandError, match="zonder demo begonnen"):
        call_command("setup", stdout=io.StringIO())
    assert list(get_user_model().objects.values_list("username", flat=True)) == (
        [username] if username else []
    )
    assert not Area.objects.exists()


def test_the_usual_signal_kinds_come_with_the_covenants_activities(admin, empty, demo_users):
    from datetime import date

    from smaakmaker.access import services as access_services
    from smaakmaker.access.models import Organisation
    from smaakmaker.cases.models import SignalKind

    page = admin.get(reverse("cases:signal_kinds")).content.decode()
    assert "Er zijn nog geen signaalsoorten." in page  # an empty instance: the kinds follow the covenant
    regisseur = demo_users["regisseur"]
    covenant = access_services.covenant_create(
        actor=regisseur,
        name="Convenant Groningen",
        area_codes=["GM0014"],
        partners=list(Organisation.objects.all()),
        valid_from=date(2026, 1, 1),
        valid_until=None,
    )
    access_services.processing_activity_create(
        actor=regisseur,
        covenant=covenant,
        code="woonfraude-huurachterstand",
        name="Woonfraude en huurachterstand",
        purpose="Signalen van de corporatie per adres.",
        avg_ground="6.1.e",
        legal_basis="Woningwet art. 45",
        data_categories=["adres", "soort signaal", "datum"],
        compartment="corporatie",
        retention_days=730,
        grants=[("woningcorporatie", "partner-professional", "participation", "write")],
    )
    page = admin.get(reverse("cases:signal_kinds")).content.decode()
    assert "2 gebruikelijke signaalsoorten kunnen worden toegevoegd" in page
    for user, status in ((demo_users["professional"], 403), (demo_users["analist"], 403)):
        admin.force_login(user)
        assert admin.post(reverse("cases:signal_kinds")).status_code == status
    admin.force_login(regisseur)  # keeps the catalogue
    assert admin.post(reverse("cases:signal_kinds")).status_code == 302
    assert set(SignalKind.objects.values_list("code", "activity__code")) == {
        ("woonfraude", "woonfraude-huurachterstand"),
        ("huurachterstand", "woonfraude-huurachterstand"),
    }
    assert AuditRecord.objects.filter(action="signalkind.create", actor="regisseur").count() == 1
    admin.post(reverse("cases:signal_kinds"))  # again: nothing to add
    assert SignalKind.objects.count() == 2
    assert AuditRecord.objects.filter(action="signalkind.create").count() == 1


def test_a_lost_address_import_is_queued_again_then_failed_with_the_reason(empty):
    from smaakmaker.cases.address_uploads import address_upload_abandoned

    upload = AddressUpload.objects.create(
        uploaded_by=empty, file_name="a.csv", content=b"x", status="running", progress=0.3
    )
    address_upload_abandoned(upload.pk, retry=True, reason="weg")
    upload.refresh_from_db()
    assert (upload.status, upload.progress, upload.content) == ("queued", 0.0, b"x")
    address_upload_abandoned(upload.pk, retry=False, reason="De achtergrondverwerker stopte.")
    upload.refresh_from_db()
    assert (upload.status, upload.message, upload.content) == (
        "failed",
        "De achtergrondverwerker stopte.",
        b"",
    )


@pytest.mark.django_db(transaction=True)
def test_progress_of_an_address_import_is_seen_while_it_runs_on_postgresql(empty):
    from django.db import connection, transaction

    from smaakmaker.cases.address_uploads import _ProgressWriter

    upload = AddressUpload.objects.create(
        uploaded_by=empty, file_name="a.csv", status="running", progress=0.05
    )
    writer = _ProgressWriter(upload.pk)
    try:
        with transaction.atomic():  # the import's own transaction is open meanwhile
            writer("Adressen toewijzen", 5, 10)
            seen = AddressUpload.objects.values_list("progress", "step").get(pk=upload.pk)
    finally:
        writer.close()
    if connection.vendor == "postgresql":
        assert seen == (pytest.approx(0.1 + 0.85 * 0.5), "Adressen toewijzen: 5 van 10")
    else:  # one writer at a time: the steps around the transaction only
        assert seen == (0.05, "")


def test_figures_from_the_cbs_api_where_there_is_internet(admin):
    import json

    import responses

    from smaakmaker.areas.tests.test_import import RECORDED

    admin.post(reverse("web:first_run"), {"name": "Amsterdam", "code": "GM0363"})
    base = "https://opendata.cbs.nl/ODataApi/odata/84583NED/TypedDataSet"
    with responses.RequestsMock() as cbs:
        cbs.add(responses.GET, base, status=503)
        response = admin.post(reverse("areas:upload") + "?soort=cbs-api", {"api-table": "84583NED"})
        assert response.status_code == 400 and "503" in response.content.decode()
        assert not IndicatorValue.objects.exists() and not ImportBatch.objects.exists()
    page1 = json.loads((RECORDED / "84583NED_page1.json").read_text())
    page2 = json.loads((RECORDED / "84583NED_page2.json").read_text())
    with responses.RequestsMock() as cbs:
        cbs.add(
            responses.GET,
            base,
            json=page1,
            match=[responses.matchers.query_param_matcher({"$format": "json"})],
        )
        cbs.add(
            responses.GET,
            base,
            json=page2,
            match=[responses.matchers.query_param_matcher({"$format": "json", "$skiptoken": "Guid'4'"})],
        )
        response = admin.post(reverse("areas:upload") + "?soort=cbs-api", {"api-table": "84583NED"})
    assert response.status_code == 302
    assert IndicatorValue.objects.filter(area__code="GM0363", year=2019).exists()
    assert AuditRecord.objects.filter(action="areas.figures_import").count() == 1


def test_a_beheerder_without_the_covenant_role_is_told_who_starts_the_approach(client, empty, demo_users):
    client.force_login(demo_users["beheerder"])  # the role, not the first (super)user
    page = client.get(reverse("web:first_run")).content.decode()
    assert reverse("access:covenant_template") not in page
    assert "Uw rol opent dit onderdeel niet; dit doet: Regisseur." in page
    client.force_login(empty)
    assert reverse("access:covenant_template") in client.get(reverse("web:first_run")).content.decode()


def test_the_lvbag_extract_of_the_gemeente_as_kadaster_delivers_it(admin):
    from smaakmaker.cases.tests.test_address_import import DOESBURG

    admin.post(reverse("web:first_run"), {"name": "Doesburg", "code": "GM0221"})
    response = admin.post(
        reverse("cases:address_upload"), {"file": SimpleUploadedFile(DOESBURG.name, DOESBURG.read_bytes())}
    )
    upload = AddressUpload.objects.get()
    assert upload.status == "done" and Address.objects.count() == 8
    page = admin.get(response["Location"]).content.decode()
    assert "8 adressen gelezen: 8 nieuw" in page
    assert "Er zijn geen buurtgrenzen geladen" in page  # said, not hidden
    assert "meer dan één geldig voorkomen" in page  # the extract's traps as warnings
