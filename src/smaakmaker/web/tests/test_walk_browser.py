# SPDX-License-Identifier: EUPL-1.2
"""A newcomer's walk in real Chromium (issue 16, done-when): every main page as each demo role, at
1366 px and at 390 px.

Asserted on every page: no horizontal scroll at 390 px; axe-core (WCAG 2.1 A/AA) without violations; no
indicator key and no snake_case word in the visible text; every CBS code in the visible text stands on the
same line as the name of its area; numbers in chart labels in Dutch format; the favicon answers 200. The
audit log is left out of the words checks: it shows what was recorded (action codes, object ids) as it was
recorded. A role that may not open a page gets the page that says who can (403), and that page is checked
too.

axe runs once per distinct page at each width: a page whose main part is the same for two roles (the
method page, the map, the 403 page) is checked for the first and not again; the header and navigation,
which differ per role, are checked on each role's dashboard at both widths. This keeps the walk at a few
minutes without leaving out a page, a role or a width.

Screenshots of each role's dashboard (both widths) and of the area page at 390 px are written when
``SMAAKMAKER_SHOTS`` names a folder.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AREA = "BU0363FD04"
#: an Amsterdam gebied (Basisbestand Gebieden: long series, the kentering at work)
GEBIED = "DX12"
#: one demo user per role
ROLES = ("regisseur", "wijkagent", "analist", "bestuurder", "privacy", "beheerder")
PAGES = (
    "/",
    "/gebieden/",
    "/gebieden/kaart/",
    "/methode/",
    f"/gebieden/{AREA}/",
    f"/gebieden/{AREA}/wijkanalyse/",
    f"/gebieden/{GEBIED}/",
    "/gebieden/eigen-gebied/nieuw/",
    "/adressen/",
    "/adressen/casusoverleg/",
    "/adressen/nieuw/",
    "/plannen/",
    "/plannen/catalogus/",
    "/plannen/nieuw/",
    "/monitoring/",
    "/monitoring/gebied/",
    f"/monitoring/gebied/{AREA}/",
    f"/monitoring/gebied/{GEBIED}/",
    "/monitoring/wat-werkt/",
    "/monitoring/kenteringen/",
    "/monitoring/boekhouding/",
    "/monitoring/beleving/",
    "/monitoring/evaluaties/nieuw/",
    "/toegang/",
    "/toegang/convenanten/",
    "/toegang/audit/",
    "/toegang/onderhoud/",
    "/toegang/gebruikers/",
    "/toegang/gebruikers/nieuw/",
    "/toegang/lidmaatschappen/nieuw/",
    "/toegang/organisaties/nieuw/",
    "/toegang/inlogkoppelingen/",
    "/toegankelijkheid/",
)
#: detail pages found by following the first link of this shape on that list
DETAILS = (
    ("/adressen/", r"^/adressen/[0-9a-f-]{36}/$"),
    ("/plannen/", r"^/plannen/[0-9a-f-]{36}/$"),
    ("/toegang/convenanten/", r"^/toegang/convenanten/[0-9a-f-]{36}/$"),
    ("/monitoring/", r"^/monitoring/evaluaties/[0-9a-f-]{36}/$"),
)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CBS_CODE = re.compile(r"\b(?:BU\d{4}[0-9A-Z]{4}|WK\d{4}[0-9A-Z]{2}|GM\d{4})\b")
#: "22.5", "6.24", "0.4551", "1,234.5": English; "3.023" (Dutch thousands) and "2,179" (Dutch decimals) pass
ENGLISH_NUMBER = re.compile(r"^[−-]?\d+\.(\d{1,2}|\d{4,})$|^[−-]?\d{1,3}(,\d{3})+\.\d+$")
NUMBER = re.compile(r"^[−-]?[\d.,]*\d$")
#: the main part of the page as rendered (after its scripts), without the per-request CSRF token
MAIN_HTML = """() => document.querySelector('main').innerHTML
    .replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, '')"""


@pytest.fixture
def demo_world(transactional_db, demo_users):
    """The demo as a newcomer finds it: Amsterdam's figures (two years and the boundaries), the address
    register, the plan and the demo evaluation."""
    from smaakmaker.areas import services as area_services
    from smaakmaker.areas.bundled import bbga_dir, data_dir
    from smaakmaker.cases import demo as cases_demo
    from smaakmaker.monitoring import demo as monitoring_demo
    from smaakmaker.plans import demo as plans_demo

    amsterdam = data_dir() / "amsterdam"
    area_services.cbs_csv_import(path=amsterdam / "kwb_2019_amsterdam_full_84583NED.csv", year=2019)
    area_services.cbs_csv_import(path=amsterdam / "kwb_2024_amsterdam.csv", year=2024)
    area_services.amsterdam_buurten_import(path=amsterdam / "buurten_amsterdam_2015_2022_geometrie_rd.csv")
    area_services.bbga_import(directory=bbga_dir())
    cases_demo.demo_load()
    approach = plans_demo.demo_load()
    from django.contrib.auth import get_user_model

    from smaakmaker.plans import services as plan_services

    regisseur = get_user_model().objects.get(username="regisseur")
    run = plan_services.run_create(actor=regisseur, approach=approach, time_limit_s=2)
    plan_services.run_execute(run_id=run.pk)  # a proposal waiting for the decision

    class Quiet:
        def print(self, *args, **kwargs):
            pass

    monitoring_demo.demo_load(stdout=Quiet())


def _sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()


def _detail_pages(page) -> list[str]:
    found = []
    for source, shape in DETAILS:
        response = page.goto(source)
        if response.status != 200:
            continue
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        found += [h for h in hrefs if re.match(shape, h)][:1]
    for approach in [f for f in found if f.startswith("/plannen/")]:  # a scheduler proposal of the plan
        page.goto(approach)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        found += [h for h in hrefs if re.match(r"^/plannen/[0-9a-f-]{36}/voorstellen/[0-9a-f-]{36}/$", h)][:1]
        found += [h for h in hrefs if re.match(r"^/plannen/[0-9a-f-]{36}/adressen/$", h)][:1]
    return found


def _words_problems(path: str, text: str, indicator_keys: set[str], names: dict[str, str]) -> list[str]:
    problems = []
    if path.startswith("/toegang/audit/"):
        return problems  # the audit log shows what was recorded, as it was recorded
    words = set(re.findall(r"\b[a-z][a-z0-9_]*\b", text))
    if keys := sorted(words & indicator_keys):
        problems.append(f"{path}: indicator keys in the text: {keys[:5]}")
    if snakes := sorted(set(SNAKE.findall(text))):
        problems.append(f"{path}: snake_case words in the text: {snakes[:5]}")
    if "–%" in text:  # a missing share written as a share ("–%" for a theme without expected indicators)
        problems.append(f"{path}: a dash with a percent sign")
    for line in text.splitlines():
        for code in set(CBS_CODE.findall(line)):
            name = names.get(code)
            if not name or name not in line:
                problems.append(
                    f"{path}: {code} without its name ({name or 'unknown area'}): {line.strip()[:120]}"
                )
    return problems


def _chart_labels(page) -> list[str]:
    return page.eval_on_selector_all("main svg text", "nodes => nodes.map(n => n.textContent.trim())")


def test_every_main_page_every_role_wide_and_narrow(page, axe, demo_world, live_server):
    from smaakmaker.areas.models import Area, Indicator

    shots = os.environ.get("SMAAKMAKER_SHOTS", "")
    # the keys that look like codes (some keys are plain Dutch words: inwoners, stedelijkheid)
    indicator_keys = {k for k in Indicator.objects.values_list("key", flat=True) if SNAKE.fullmatch(k)}
    assert "laag_inkomen_hh" in indicator_keys  # the check below has something to find
    names = dict(Area.objects.values_list("code", "name"))
    problems: list[str] = []
    chart_numbers: list[str] = []
    axe_done: set[tuple[int, str]] = set()
    seen_ok = 0

    # the favicon: the app serves it, and the page points to it
    sign_in_html = page.context.request.get(live_server.url + "/inloggen/").text()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', sign_in_html)
    assert len(icons) == 2
    for url in ("/favicon.ico", *icons):
        assert page.context.request.get(live_server.url + url).status == 200, url

    for username in ROLES:
        page.set_viewport_size({"width": 1366, "height": 900})
        _sign_in(page, username)
        pages = [*PAGES, *_detail_pages(page)]
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for path in pages:
                response = page.goto(path)
                status = response.status
                if status not in (200, 403):
                    body = page.evaluate("document.body ? document.body.innerText : ''")[:300]
                    problems.append(f"{username} {width} {path}: status {status}: {body!r}")
                    continue
                if width == 390:
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > 390:
                        problems.append(f"{username} 390 {path}: scrolls sideways ({scroll} px)")
                    if shots and username == "regisseur" and path == f"/gebieden/{AREA}/":
                        page.screenshot(path=str(Path(shots) / "area-page-390.png"), full_page=True)
                    if shots and path == "/":
                        page.screenshot(
                            path=str(Path(shots) / f"dashboard-{username}-390.png"), full_page=True
                        )
                elif shots and path == "/":
                    page.screenshot(path=str(Path(shots) / f"dashboard-{username}-1366.png"), full_page=True)
                # axe once per distinct page content at each width: the main part decides, since the
                # header and navigation of each role are checked on its dashboard at both widths
                content = (width, hashlib.sha256(page.evaluate(MAIN_HTML).encode()).hexdigest())
                if path == "/" or content not in axe_done:
                    axe_done.add(content)
                    violations = axe(page)
                    if violations:
                        problems.append(f"{username} {width} {path}: axe {violations}")
                if width == 390:
                    continue
                seen_ok += status == 200
                text = page.evaluate("document.body.innerText")
                problems += [f"{username} {p}" for p in _words_problems(path, text, indicator_keys, names)]
                for label in _chart_labels(page):
                    if ENGLISH_NUMBER.match(label):
                        problems.append(f"{username} {path}: chart label in English format: {label!r}")
                    elif NUMBER.match(label):
                        chart_numbers.append(label)
    assert not problems, "\n".join(problems)
    assert seen_ok > 60
    # the chart check saw real numbers, decimal commas among them
    assert len(chart_numbers) > 50 and any("," in n for n in chart_numbers), chart_numbers[:20]
