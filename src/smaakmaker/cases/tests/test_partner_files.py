# SPDX-License-Identifier: EUPL-1.2
"""Partner files of signals (issue 13 point 2): reading, the dry run, the import all or nothing, the
same file twice, the covenant and who sees the signals afterwards."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from smaakmaker.access.models import AuditRecord, Organisation, ProcessingLogRecord
from smaakmaker.cases import partner_files
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.cases.models import PartnerFileMapping, PartnerFileStatus, Signal
from smaakmaker.cases.sources import partner_file, tables
from smaakmaker.cases.tests.conftest import POLITIE, WIJKTEAM

HEADER = ["BAG-id", "Postcode", "Huisnr", "Letter", "Soort", "Datum", "Omschrijving"]


def xlsx(rows: list[list], header=HEADER) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bag(n: int) -> str:
    return f"03632000000{n:05d}"  # the world's addresses A1..A4


MAPPING = {
    "nummeraanduiding_id": "BAG-id",
    "postcode": "Postcode",
    "house_number": "Huisnr",
    "house_letter": "Letter",
    "kind": "Soort",
    "date": "Datum",
    "text": "Omschrijving",
}


def _day(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def police_rows() -> list[list]:
    return [
        [bag(1), "", "", "", "hennep-drugs", _day(3), "Hennepgeur bij de voordeur"],
        ["", "1064 xa", 2, "", "Hennep / drugs", _day(4), "Veel kortdurend bezoek"],  # by postcode, label
        [bag(4), "", "", "", "criminele-uitstraling", _day(5).strftime("%d-%m-%Y"), ""],
    ]


def _run(user, content: bytes, *, commit: bool, name="meldingen.xlsx", **kwargs):
    organisation = partner_files.organisations_for_upload(user)[0]
    return partner_files.partner_file_import(
        actor=user,
        organisation=organisation,
        file_name=name,
        content=content,
        commit=commit,
        **{"columns": MAPPING, **kwargs},
    )


# --- reading (no database) ----------------------------------------------------------------------------


def test_csv_in_any_delimiter_and_encoding_reads_the_same():
    expected = [["0363200000000001", "overlast", "1-6-2024", "Café dicht"]]
    header = "BAG;soort;datum;omschrijving"
    for delimiter in (";", ",", "\t", "|"):
        text = (header.replace(";", delimiter) + "\r\n" + delimiter.join(expected[0]) + "\r\n").encode
        for content in (text("utf-8"), text("utf-8-sig"), text("cp1252")):
            table = tables.read_table(content=content, name="x.csv")
            assert table.headers == ["BAG", "soort", "datum", "omschrijving"], (delimiter, content[:5])
            assert table.rows == expected


def test_xlsx_cells_become_text_as_a_person_reads_them():
    content = xlsx([[363200000000001, 1064, 12.0, "A", "overlast", date(2024, 6, 1), None]])
    table = tables.read_table(content=content, name="meldingen.xlsx")
    assert table.headers == HEADER
    assert table.rows == [["363200000000001", "1064", "12", "A", "overlast", "2024-06-01", ""]]


def test_parse_names_line_column_and_reason_of_every_bad_cell():
    rows = [
        ["363200000000001", "", "", "", "overlast", "2024-06-01", "ok"],  # line 2: a BAG id without its zeros
        ["", "1064XA", "0", "", "overlast", "2024-06-01", ""],  # line 3: house number 0
        ["", "", "", "", "", "", ""],  # line 4: empty, skipped
        ["12ab", "", "", "", "onbekend", "31-02-2024", ""],  # line 5: three problems
        ["", "1064XA", "3", "", "overlast", "2999-01-01", "x" * 501],  # line 6: future date, long text
    ]
    table = tables.Table(name="t.csv", headers=HEADER, rows=[[str(v) for v in r] for r in rows])
    parsed = partner_file.parse_partner_file(
        table, MAPPING, kinds={"overlast": "overlast"}, today=date(2025, 1, 1)
    )
    assert parsed.read == 4
    assert [r.bag_id for r in parsed.rows] == ["0363200000000001"]
    assert [(p.line, p.column) for p in parsed.problems] == [
        (3, "Huisnr"),
        (5, "BAG-id"),
        (5, "Soort"),
        (5, "Datum"),
        (6, "Datum"),
        (6, "Omschrijving"),
    ]
    assert "onbekende soort signaal 'onbekend'" in parsed.problems[2].reason
    assert "ligt in de toekomst" in parsed.problems[4].reason


def test_a_missing_column_is_named_on_line_one():
    table = tables.Table(name="t.csv", headers=["Adres", "Wanneer"], rows=[["x", "y"]])
    with pytest.raises(partner_file.PartnerFileError) as info:
        partner_file.parse_partner_file(table, {}, kinds={}, today=date(2025, 1, 1))
    message = str(info.value)
    assert message.startswith("regel 1:") and "postcode en huisnummer" in message and "datum" in message


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-06-01", date(2024, 6, 1)),
        ("2024-06-01 13:45:00", date(2024, 6, 1)),
        ("1-6-2024", date(2024, 6, 1)),
        ("01/06/2024", date(2024, 6, 1)),
        ("01.06.2024", date(2024, 6, 1)),
        ("2024-02-30", None),
        ("6/1/24", None),
        ("gisteren", None),
    ],
)
def test_dates_are_read_day_first(text, expected):
    assert partner_file.parse_date(text) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
@example(date(2024, 2, 29))
def test_every_date_reads_back_as_written_in_each_form(day):
    for text in (
        day.isoformat(),
        f"{day.isoformat()} 00:00:00",
        f"{day.day}-{day.month}-{day.year}",
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
    ):
        assert partner_file.parse_date(text) == day, text


@given(st.text(alphabet="abcdeJKLMvander .,'-ÉéÖ\n", max_size=40))
@example("mevrouw jansen belde")
@example("Jan Jansen")
@example("É Ö")
def test_the_cheap_test_for_names_decides_as_the_whole_heuristic(text):
    """``name_like_spans`` skips texts with fewer than two capitals and no salutation: never a change."""
    from smaakmaker.cases import names

    tokens = names._tokens(text)
    assert names.name_like_spans(text) == (
        names._salutation_spans(tokens) + names._run_spans(tokens) if text else []
    )


# --- the register ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_then_import_all_under_the_covenant_with_audit_and_processing_log(world):
    police = world.users["wijkagent"]
    before = Signal.objects.count()
    checked = _run(police, xlsx(police_rows()), commit=False)
    assert checked.status == PartnerFileStatus.CHECKED
    report = checked.report
    assert report["problems"] == []
    assert (report["read"], report["accepted"], report["problem_count"], report["not_found"]) == (3, 3, 0, 0)
    assert report["kinds"] == {"hennep-drugs": 2, "criminele-uitstraling": 1}
    assert Signal.objects.count() == before, "a dry run stores nothing"
    # The mapping is saved for the organisation.
    organisation = Organisation.objects.get(name=POLITIE)
    assert PartnerFileMapping.objects.get(organisation=organisation).columns == MAPPING

    log_before = ProcessingLogRecord.objects.count()
    done = _run(police, xlsx(police_rows()), commit=True, columns=None)  # the saved mapping is used
    assert done.status == PartnerFileStatus.COMMITTED and done.signals_added == 3
    assert done.content in (b"", memoryview(b"")) or bytes(done.content) == b""
    stored = Signal.objects.filter(source_organisation=organisation, recorded_by=police).exclude(
        description__startswith="omschrijving-"
    )
    assert stored.count() == 3
    assert {s.activity.code for s in stored} == {"politie-informatie"}
    assert {s.address.bag_nummeraanduiding_id for s in stored} == {bag(1), bag(2), bag(4)}
    audit = AuditRecord.objects.filter(action="signal.import_file").get()
    assert audit.object_id == str(done.uuid) and "3 signalen" in audit.reason
    logged = ProcessingLogRecord.objects.order_by("id")[log_before:]
    assert {r.activity_id for r in logged} == {"politie-informatie"} and len(logged) == 3
    from smaakmaker.access.audit import pseudonym

    subjects = {pseudonym("address", str(world.addresses[key].uuid)) for key in ("A1", "A2", "A4")}
    assert {r.data_subject_id for r in logged} == subjects  # the pseudonyms an inzage looks for

    # Visible only where the covenant grants the police activity: the police itself, not the care
    # partner, the corporation or the gemeente's regisseur.
    for username, sees in (
        ("wijkagent", True),
        ("wijkteam", False),
        ("professional", False),
        ("regisseur", False),
    ):
        visible = Signal.objects.visible_to(world.users[username]).filter(pk__in=stored.values("pk")).count()
        assert visible == (3 if sees else 0), username


@pytest.mark.django_db
def test_three_bad_rows_import_nothing_and_are_listed_exactly(world):
    police = world.users["wijkagent"]
    rows = [list(row) for _ in range(10) for row in police_rows()]  # 30 rows, the three with other texts
    for i, row in enumerate(rows):
        row[6] = f"{row[6]} {i}"
    rows[4][5] = "31-02-2024"  # line 6: no date
    rows[11][4] = "vuurwerk"  # line 13: unknown kind
    rows[20][0] = "9999999999999999"  # line 22: an address that is not in the register
    before = Signal.objects.count()
    done = _run(police, xlsx(rows), commit=True)
    assert done.status == PartnerFileStatus.CHECKED, "a file with problems is not queued"
    assert Signal.objects.count() == before
    problems = [(p["line"], p["column"]) for p in done.report["problems"]]
    assert problems == [(6, "Datum"), (13, "Soort"), (22, "BAG-id")]
    assert done.report["problem_count"] == 3 and done.report["not_found"] == 1
    assert done.report["problems"][2]["reason"] == partner_files.NOT_FOUND
    with pytest.raises(partner_files.RegisterError):
        partner_files.partner_file_commit_start(actor=police, file_import=done)
    assert Signal.objects.count() == before


@pytest.mark.django_db
def test_the_same_file_twice_adds_nothing_and_a_longer_one_only_its_new_rows(world):
    police = world.users["wijkagent"]
    content = xlsx(police_rows())  # one file (openpyxl stamps the time of writing into each)
    first = _run(police, content, commit=True)
    assert first.signals_added == 3
    count = Signal.objects.count()
    again = _run(police, content, commit=False)
    assert again.report["earlier"]["uuid"] == str(first.uuid) and again.report["accepted"] == 0
    again = _run(police, content, commit=True)
    assert again.status == PartnerFileStatus.ALREADY and again.signals_added == 0
    assert Signal.objects.count() == count
    # Another file (other bytes) repeating the three rows plus one new one adds the new one only.
    longer = police_rows() + [[bag(2), "", "", "", "hennep-drugs", _day(9), "Nieuw signaal"]]
    third = _run(police, xlsx(longer), commit=True, name="meldingen-juni.xlsx")
    assert third.status == PartnerFileStatus.COMMITTED and third.signals_added == 1
    assert third.report["already_present"] == 3
    assert Signal.objects.count() == count + 1


@pytest.mark.django_db
def test_an_address_outside_the_covenant_area_is_reported_as_not_found_like_an_unknown_one(world):
    police = world.users["wijkagent"]
    rows = [
        [bag(3), "", "", "", "hennep-drugs", _day(1), ""],  # A3 lies outside the covenant's buurt
        ["0363200000099999", "", "", "", "hennep-drugs", _day(1), ""],  # not in the register
    ]
    report = _run(police, xlsx(rows), commit=False).report
    assert [p["reason"] for p in report["problems"]] == [partner_files.NOT_FOUND] * 2


@pytest.mark.django_db
def test_a_kind_outside_the_partners_grants_is_refused_on_the_kind_column(world):
    care = world.users["wijkteam"]
    report = _run(care, xlsx(police_rows()[:1]), commit=False).report
    assert report["problems"] == [
        {
            "line": 2,
            "column": "Soort",
            "reason": "uw organisatie mag onder het convenant geen signalen van de soort "
            "'Hennep / drugs' vastleggen",
        }
    ]


@pytest.mark.django_db
def test_a_residents_name_is_refused_and_a_name_like_text_needs_the_confirmation(world):
    police = world.users["wijkagent"]
    rows = [
        [bag(1), "", "", "", "hennep-drugs", _day(1), "Gesprek met Bewoner Een"],
        [bag(2), "", "", "", "hennep-drugs", _day(1), "Gesprek met Karel Appel"],
    ]
    report = _run(police, xlsx(rows), commit=False).report
    reasons = [p["reason"] for p in report["problems"]]
    assert "naam van een bewoner" in reasons[0] and "lijkt een naam" in reasons[1]
    report = _run(police, xlsx(rows), commit=False, confirm_no_names=True).report
    assert [p["line"] for p in report["problems"]] == [2]


@pytest.mark.django_db
def test_who_may_upload_and_who_sees_an_import(world, client):
    with pytest.raises(NotPermitted):
        partner_files.partner_file_upload(
            actor=world.users["analist"],
            organisation=Organisation.objects.get(name=WIJKTEAM),
            file_name="x.csv",
            content=b"a;b\n1;2\n",
        )
    assert not partner_files.organisations_for_upload(world.users["bestuurder"]).exists()
    police = world.users["wijkagent"]
    done = _run(police, xlsx(police_rows()), commit=False)
    for username, user in world.users.items():
        assert (partner_files.import_visible(user=user, uuid=done.uuid) is not None) == (
            username == "wijkagent"
        )


@pytest.mark.django_db
def test_the_command_checks_and_imports(world, tmp_path):
    path = tmp_path / "meldingen.csv"
    path.write_text(
        "nummeraanduiding;soort;datum;omschrijving\n"
        f"{bag(1)};hennep-drugs;{_day(2):%d-%m-%Y};Hennepgeur\n"
        f"{bag(2)};Hennep / drugs;{_day(3):%Y-%m-%d};\n",
        encoding="cp1252",
    )
    out = io.StringIO()
    try:
        call_command("signals", "import-file", str(path), "--gebruiker", "wijkagent", stdout=out)
    except CommandError as exc:
        raise AssertionError(out.getvalue()) from exc
    assert "2 signalen toe te voegen" in out.getvalue() and "nog niets vastgelegd" in out.getvalue()
    before = Signal.objects.count()
    out = io.StringIO()
    call_command("signals", "import-file", str(path), "--gebruiker", "wijkagent", "--vastleggen", stdout=out)
    assert "2 signalen toegevoegd" in out.getvalue()
    assert Signal.objects.count() == before + 2
    out = io.StringIO()
    call_command("signals", "import-file", str(path), "--gebruiker", "wijkagent", "--vastleggen", stdout=out)
    assert "al ingelezen" in out.getvalue() and Signal.objects.count() == before + 2
    bad = tmp_path / "fout.csv"
    bad.write_text(f"nummeraanduiding;soort;datum\n{bag(1)};hennep-drugs;morgen\n")
    with pytest.raises(CommandError):
        call_command(
            "signals", "import-file", str(bad), "--gebruiker", "wijkagent", "--vastleggen", stdout=out
        )
    assert "regel 2, kolom 'datum'" in out.getvalue()


# --- the web -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_web_upload_map_dry_run_and_import(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(world.users["wijkagent"])
    page = client.get(reverse("cases:partner_files"))
    assert page.status_code == 200 and "Partnerbestanden met signalen" in page.content.decode()
    upload = SimpleUploadedFile("meldingen.xlsx", xlsx(police_rows()))
    response = client.post(reverse("cases:partner_files"), {"file": upload})
    assert response.status_code == 302
    url = response["Location"]
    page = client.get(url).content.decode()
    # The usual column names are chosen already (Soort, Datum, Omschrijving); BAG-id is not one of them.
    assert '<option value="Datum" selected>' in page
    # Without an address column the error stands next to the field, in Dutch.
    response = client.post(url, {"column_kind": "Soort", "column_date": "Datum"})
    assert response.status_code == 400
    assert (
        "Kies de kolom met de BAG-id, of de kolommen met postcode en huisnummer." in response.content.decode()
    )
    data = {f"column_{k}": v for k, v in MAPPING.items()}
    response = client.post(url, data)
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="partner-file-accepted">3<' in page and 'data-testid="partner-file-commit"' in page
    file_import = partner_files.imports_visible(user=world.users["wijkagent"]).get()
    before = Signal.objects.count()
    response = client.post(reverse("cases:partner_file_commit", args=[file_import.uuid]))
    assert response.status_code == 302
    assert Signal.objects.count() == before + 3  # the task ran inline (tests)
    page = client.get(url).content.decode()
    assert "Ingelezen: 3 signalen toegevoegd." in page
    progress = client.get(reverse("cases:partner_file_progress", args=[file_import.uuid])).json()
    assert progress == {"status": "committed", "progress": 1.0, "step": "klaar", "done": True}


@pytest.mark.django_db
def test_web_three_bad_rows_are_listed_and_the_import_button_is_absent(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(world.users["wijkagent"])
    rows = police_rows()
    rows[0][5] = "morgen"
    rows[1][4] = "vuurwerk"
    rows[2][0] = "0363200000099999"
    response = client.post(reverse("cases:partner_files"), {"file": SimpleUploadedFile("m.xlsx", xlsx(rows))})
    url = response["Location"]
    client.post(url, {f"column_{k}": v for k, v in MAPPING.items()})
    page = client.get(url).content.decode()
    assert 'data-testid="partner-file-rejected">3<' in page
    assert 'data-testid="partner-file-commit"' not in page
    for line in ("2", "3", "4"):
        assert f'utrecht-table__cell--numeric">{line}</td>' in page
    file_import = partner_files.imports_visible(user=world.users["wijkagent"]).get()
    before = Signal.objects.count()
    client.post(reverse("cases:partner_file_commit", args=[file_import.uuid]))
    assert Signal.objects.count() == before


@pytest.mark.django_db
def test_web_pages_of_an_import_are_404_for_everyone_but_its_uploader(world, client):
    from django.urls import reverse

    done = _run(world.users["wijkagent"], xlsx(police_rows()), commit=False)
    for username, user in world.users.items():
        client.force_login(user)
        for name in ("cases:partner_file", "cases:partner_file_progress"):
            status = client.get(reverse(name, args=[done.uuid])).status_code
            may_record = user.has_perm("cases.add_signal")
            expected = 200 if username == "wijkagent" else (404 if may_record else 403)
            assert status == expected, (username, name, status)
        status = client.post(reverse("cases:partner_file_commit", args=[done.uuid])).status_code
        assert status == (
            302 if username == "wijkagent" else (404 if user.has_perm("cases.add_signal") else 403)
        )


# --- the API -----------------------------------------------------------------------------------------


def _form(content: bytes, name="meldingen.xlsx", **fields) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    api_names = {"date": "observed_on"}
    data = {f"column_{api_names.get(k, k)}": v for k, v in MAPPING.items()}
    data.update(fields)
    data["file"] = SimpleUploadedFile(name, content)
    return data


@pytest.mark.django_db
def test_api_dry_run_import_and_status(world, api):
    police = api("wijkagent")
    before = Signal.objects.count()
    response = police.post("/api/v1/signal-files", _form(xlsx(police_rows()), dry_run="true"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["status"] == "checked" and body["report"]["accepted"] == 3 and body["report"]["problems"] == []
    )
    assert Signal.objects.count() == before
    response = police.post("/api/v1/signal-files", _form(xlsx(police_rows())))
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/v1/signal-files/{response.json()['uuid']}")
    status = police.get(response["Location"]).json()
    assert (status["status"], status["signals_added"]) == ("committed", 3)
    assert Signal.objects.count() == before + 3
    # Nobody else sees the upload, not even a colleague of another organisation with the register.
    for username in ("wijkteam", "professional", "regisseur"):
        assert api(username).get(response["Location"]).status_code == 404


@pytest.mark.django_db
def test_api_a_file_with_three_bad_rows_answers_400_naming_them_and_stores_nothing(world, api):
    rows = police_rows()
    rows[0][5] = "morgen"
    rows[1][4] = "vuurwerk"
    rows[2][0] = "0363200000099999"
    before = Signal.objects.count()
    response = api("wijkagent").post("/api/v1/signal-files", _form(xlsx(rows)))
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    params = response.json()["invalidParams"]
    assert [(p["name"], p["code"]) for p in params] == [
        ("rows.2.date", "rejected_row"),
        ("rows.3.kind", "rejected_row"),
        ("rows.4.nummeraanduiding_id", "rejected_row"),
    ]
    assert params[0]["reason"].startswith("kolom 'Datum': ")
    assert params[2]["reason"] == f"kolom 'BAG-id': {partner_files.NOT_FOUND}"
    assert Signal.objects.count() == before


@pytest.mark.django_db
def test_api_strict_form_input_and_who_may_upload(world, api):
    police = api("wijkagent")
    response = police.post("/api/v1/signal-files", _form(xlsx(police_rows()), dry_run="yes"))
    assert response.status_code == 400 and response.json()["invalidParams"][0]["name"] == "dry_run"
    response = police.post("/api/v1/signal-files", {"dry_run": "true"})
    assert response.status_code == 400 and response.json()["invalidParams"][0]["name"] == "file"
    response = police.post("/api/v1/signal-files", _form(b"", dry_run="true"))
    assert response.status_code == 400
    # a dry run of nothing readable
    response = police.post("/api/v1/signal-files", _form(b'"', dry_run="true"))
    assert response.status_code == 400 and response.json()["invalidParams"][0]["name"] == "file"
    # NUL characters: not a text file (it was a 500 on PostgreSQL)
    image = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00,;\n\x00\x01"
    response = police.post("/api/v1/signal-files", _form(image, name="file.jpg", dry_run="true"))
    assert response.status_code == 400 and "NUL" in response.json()["invalidParams"][0]["reason"]
    response = police.post("/api/v1/signal-files", _form(b"PK\x03\x04 kapot", dry_run="false"))
    assert response.status_code == 400 and response.json()["invalidParams"][0]["name"] == "file"
    for username in ("analist", "bestuurder", "privacy", "beheerder"):
        response = api(username).post("/api/v1/signal-files", _form(xlsx(police_rows()), dry_run="true"))
        assert response.status_code == 403, username


@pytest.mark.django_db
def test_retention_empties_an_upload_not_imported_within_a_week(world):
    from smaakmaker.cases.models import PartnerFileImport
    from smaakmaker.cases.services import retention_run

    police = world.users["wijkagent"]
    stale = _run(police, xlsx(police_rows()), commit=False)
    fresh = _run(police, xlsx(police_rows()[:1]), commit=False)
    done = _run(police, xlsx(police_rows()[1:]), commit=True)
    week_ago = timezone.now() - timedelta(days=partner_files.UPLOAD_DAYS, minutes=1)
    PartnerFileImport.objects.filter(pk__in=[stale.pk, done.pk]).update(created=week_ago)
    assert retention_run(dry_run=True).partner_files_emptied == 1
    assert retention_run().partner_files_emptied == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, bytes(stale.content)) == ("failed", b"") and "7 dagen" in stale.message
    assert fresh.status == "checked" and bytes(fresh.content)
    assert AuditRecord.objects.filter(action="retention.purge", reason__contains="1 niet ingelezen").exists()
    with pytest.raises(partner_files.RegisterError):
        partner_files.partner_file_check(actor=police, file_import=stale)


@pytest.mark.django_db
def test_kinds_by_the_partners_own_words_or_one_kind_for_the_whole_file(world):
    police = world.users["wijkagent"]
    header = ["BAG-id", "Wat", "Datum"]
    rows = [[bag(1), "Drugs", _day(1)], [bag(2), "", _day(2)], [bag(4), "Ondermijning", _day(3)]]
    columns = {"nummeraanduiding_id": "BAG-id", "kind": "Wat", "date": "Datum"}
    report = _run(police, xlsx(rows, header=header), commit=False, columns=columns).report
    assert [(p["line"], p["reason"]) for p in report["problems"]] == [
        (2, "onbekende soort signaal 'Drugs'"),
        (3, "de soort signaal ontbreekt"),
        (4, "onbekende soort signaal 'Ondermijning'"),
    ]
    done = _run(
        police,
        xlsx(rows, header=header),
        commit=True,
        columns=columns,
        kind_values={"Drugs": "hennep-drugs", "ondermijning": "criminele-uitstraling"},
        default_kind="hennep-drugs",  # the empty cell of line 3
    )
    assert done.status == PartnerFileStatus.COMMITTED
    assert done.report["kinds"] == {"hennep-drugs": 2, "criminele-uitstraling": 1}
    saved = PartnerFileMapping.objects.get(organisation=done.organisation)
    assert saved.kind_values == {"drugs": "hennep-drugs", "ondermijning": "criminele-uitstraling"}
    assert saved.default_kind == "hennep-drugs"


@pytest.mark.django_db
def test_an_address_by_postcode_number_letter_and_addition_matches_exactly(world):
    from smaakmaker.cases.models import Address

    Address.objects.create(
        bag_nummeraanduiding_id="0363200000000077",
        street="Fictiefstraat",
        house_number=7,
        house_letter="A",
        house_number_addition="2",
        postcode="1064XA",
        city="Amsterdam",
        buurt_code="BU0363FD04",
    )
    header = ["Postcode", "Huisnummer", "Huisletter", "Toevoeging", "Soort", "Datum"]
    rows = [
        ["1064 xa", 7, "a", "2", "hennep-drugs", _day(1)],  # found: letter and addition in any case
        ["1064XA", 7, "", "", "hennep-drugs", _day(1)],  # 7 without letter is another address: not found
        ["1064XA", 7, "A", "", "hennep-drugs", _day(1)],  # 7A without addition: not found
    ]
    report = _run(world.users["wijkagent"], xlsx(rows, header=header), commit=False, columns={}).report
    assert report["columns"] == {
        "postcode": "Postcode",
        "house_number": "Huisnummer",
        "house_letter": "Huisletter",
        "addition": "Toevoeging",
        "kind": "Soort",
        "date": "Datum",
    }
    assert report["accepted"] == 1 and report["not_found"] == 2
    assert [p["line"] for p in report["problems"]] == [3, 4]


def test_the_mapping_form_reads_the_partners_words_and_names_a_bad_line():
    from smaakmaker.cases.forms import PartnerFileMappingForm

    class Kind:
        def __init__(self, code, label):
            self.code, self.label = code, label

    kinds = [Kind("hennep-drugs", "Hennep / drugs")]
    data = {"column_nummeraanduiding_id": "BAG", "column_date": "Datum", "default_kind": "hennep-drugs"}
    form = PartnerFileMappingForm(
        {**data, "kind_values": "Drugs = hennep-drugs\n\nWiet=vuurwerk"},
        headers=["BAG", "Datum"],
        kinds=kinds,
    )
    assert not form.is_valid()
    assert form.errors["kind_values"][0].startswith("Regel 3: schrijf het woord")
    form = PartnerFileMappingForm(
        {**data, "kind_values": "Drugs = hennep-drugs"}, headers=["BAG", "Datum"], kinds=kinds
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["kind_values"] == {"Drugs": "hennep-drugs"}
    assert form.columns() == {"nummeraanduiding_id": "BAG", "date": "Datum"}


@pytest.mark.django_db
def test_a_user_of_two_organisations_records_each_kind_only_for_the_organisation_granted_it(world):
    from django.contrib.auth import get_user_model

    from smaakmaker.access.models import Membership

    user = get_user_model().objects.get(username="wijkagent")
    Membership.objects.create(user=user, organisation=Organisation.objects.get(name=WIJKTEAM))
    user = get_user_model().objects.get(pk=user.pk)  # a fresh policy snapshot
    organisations = {o.name for o in partner_files.organisations_for_upload(user)}
    assert organisations == {POLITIE, WIJKTEAM}
    content = xlsx(police_rows()[:1])
    for name, refused in ((WIJKTEAM, True), (POLITIE, False)):
        report = partner_files.partner_file_import(
            actor=user,
            organisation=Organisation.objects.get(name=name),
            file_name="m.xlsx",
            content=content,
            columns=MAPPING,
        ).report
        assert bool(report["problems"]) == refused, (name, report["problems"])
