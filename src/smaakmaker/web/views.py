# SPDX-License-Identifier: EUPL-1.2
"""Dashboard, accessibility statement and error pages."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods, require_safe

from smaakmaker.access import selectors as access_selectors
from smaakmaker.access.policies import roles_with
from smaakmaker.api.problems import problem_response
from smaakmaker.common.numbers import nl_number
from smaakmaker.common.schedule import failed_alerts


@dataclass
class Step:
    """One step of the method on the dashboard: where it is done, what the user sees of it now."""

    key: str
    title: str
    text: str
    url: str | None  # None: the user's roles do not open this part
    who: str  # the roles that do this step (for a user who cannot)
    counts: list[tuple[str, str | None]]  # (text, link)
    done: bool | None  # None: not known to this user
    next: bool = False


def _who(permission: str) -> str:
    return ", ".join(str(role.label) for role in roles_with(permission))


def _steps(user) -> list[Step]:
    """The method in its order: onderzoek → convenant → adressen → plan → meten. Counts come from the
    selectors and only from what the user may see (a part they cannot open shows no number at all)."""
    from smaakmaker.areas.models import Area
    from smaakmaker.cases.selectors import register_counts
    from smaakmaker.monitoring.selectors import evaluations_list
    from smaakmaker.plans.selectors import plans_summary

    areas = Area.objects.count()
    steps = [
        Step(
            "onderzoek",
            _("Research the area"),
            _(
                "The neighbourhood scan: a transparent profile of every area from open data, and its flavours."
            ),
            reverse("areas:index"),
            "",
            [
                (
                    ngettext("%(n)s area with statistics", "%(n)s areas with statistics", areas)
                    % {"n": nl_number(areas)},
                    None,
                )
            ],
            areas > 0,
        )
    ]
    may_covenant = user.has_perm("access.view_covenant")
    covenants = access_selectors.covenants_active_count() if may_covenant else 0
    steps.append(
        Step(
            "convenant",
            _("Agree the covenant"),
            _("Which partners share which data, for which purpose, in which area and for how long."),
            reverse("access:covenants") if may_covenant else None,
            _who("access.add_covenant"),
            [
                (
                    ngettext("%(n)s covenant in force", "%(n)s covenants in force", covenants)
                    % {"n": nl_number(covenants)},
                    None,
                )
            ]
            if may_covenant
            else [],
            covenants > 0 if may_covenant else None,
        )
    )
    register = register_counts(user=user)
    steps.append(
        Step(
            "adressen",
            _("Keep one picture per address"),
            _("Signals of the partners, cases and decisions with their motivation, need-to-know."),
            reverse("cases:index") if user.has_perm("cases.view_address") else None,
            _who("cases.view_case"),
            [
                (
                    ngettext("%(n)s open case", "%(n)s open cases", register.open_cases)
                    % {"n": nl_number(register.open_cases)},
                    reverse("cases:index"),
                ),
                (
                    ngettext(
                        "%(n)s address on the agenda", "%(n)s addresses on the agenda", register.agenda_items
                    )
                    % {"n": nl_number(register.agenda_items)},
                    reverse("cases:agenda"),
                ),
            ]
            if register
            else [],
            (register.open_cases > 0) if register else None,
        )
    )
    plans = plans_summary(user=user)
    plan_counts: list[tuple[str, str | None]] = []
    if plans:
        plan_counts.append(
            (
                ngettext("%(n)s approach", "%(n)s approaches", plans.approaches)
                % {"n": nl_number(plans.approaches)},
                None,
            )
        )
        if plans.first is not None:
            plan_counts.append(
                (
                    ngettext("%(n)s coherence warning", "%(n)s coherence warnings", plans.warnings)
                    % {"n": nl_number(plans.warnings)},
                    reverse("plans:approach", args=[plans.first.uuid]) + "#warnings-heading"
                    if plans.approaches == 1
                    else reverse("plans:index"),
                )
            )
    steps.append(
        Step(
            "plan",
            _("Plan the four flavours"),
            _("The umami plan: Zoet, Zuur, Zout and Bitter in coherence, their order, timing and duration."),
            reverse("plans:index") if plans else None,
            _who("plans.add_approach"),
            plan_counts,
            (plans.approaches > 0) if plans else None,
        )
    )
    may_measure = user.has_perm("monitoring.view_effectevaluation")
    evaluations = evaluations_list().count() if may_measure else 0
    steps.append(
        Step(
            "meten",
            _("Measure whether the neighbourhood turns"),
            _("What was done, what changed, and whether the change is more than chance."),
            reverse("monitoring:index") if may_measure else None,
            _who("monitoring.add_effectevaluation"),
            [
                (
                    ngettext("%(n)s effect evaluation", "%(n)s effect evaluations", evaluations)
                    % {"n": nl_number(evaluations)},
                    None,
                )
            ]
            if may_measure
            else [],
            (evaluations > 0) if may_measure else None,
        )
    )
    for step in steps:  # "begin here": the first step this user can open that has not started yet
        if step.url and step.done is False:
            step.next = True
            break
    return steps


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # An instance without the demo opens on the first run for the beheerder until the gemeente is named.
    if first_run_open(request.user) and _home_gemeente() is None:
        return redirect("web:first_run")
    return render(
        request,
        "web/dashboard.html",
        {
            "memberships": access_selectors.memberships_active(user=request.user),
            "roles": access_selectors.roles_of(user=request.user),
            # why a partner's user sees less, or nothing: covenants of their organisations that ended
            "ended_covenants": access_selectors.covenants_ended_for(user=request.user),
            # the privacy role: a scheduled check (audit-chain verification, log retention) that failed
            "job_alerts": failed_alerts() if request.user.has_perm("access.view_auditrecord") else [],
            "steps": _steps(request.user),
            "may_manage": request.user.is_staff,
            "first_run": first_run_open(request.user),
        },
    )


# --- the first run: an instance without the demo, from nothing ---------------------------------------

#: the beheerder's permissions for the first run (loading areas and addresses; access/policies.py)
FIRST_RUN_PERMISSIONS = ["areas.add_homegemeente", "areas.add_importbatch", "cases.import_addresses"]


def first_run_open(user) -> bool:
    """The first run is offered to who may load areas and addresses, on an instance without the demo."""
    return not settings.DEMO and all(user.has_perm(p) for p in FIRST_RUN_PERMISSIONS)


def _home_gemeente():
    from smaakmaker.areas.selectors import home_gemeente

    return home_gemeente()


@dataclass
class FirstRunStep:
    key: str
    title: str
    text: str
    done: bool
    state: list[tuple[str, str | None]]  # (text, link)
    url: str | None = None
    link: str = ""
    who: str = ""  # the roles that do this step, when this user cannot
    next: bool = False


def _first_run_steps(user, home) -> list[FirstRunStep]:
    """The checklist with its live state, read from each domain's selectors."""
    from smaakmaker.access.models import Membership, Organisation
    from smaakmaker.areas.selectors import boundary_years_of, figure_years_of
    from smaakmaker.cases.models import SignalKind
    from smaakmaker.cases.selectors import address_totals
    from smaakmaker.plans.models import Approach

    steps = [
        FirstRunStep(
            "gemeente",
            _("Name the municipality"),
            _("Its name and CBS code: the uploads read the areas of this municipality, the map opens on it."),
            home is not None,
            [(f"{home.name} ({home.code})", None)] if home else [],
        )
    ]
    boundaries = boundary_years_of(gemeente_code=home.code) if home else {}
    figures = figure_years_of(gemeente_code=home.code) if home else {}
    steps.append(
        FirstRunStep(
            "grenzen",
            _("Load its boundaries"),
            _("The CBS Wijk- en buurtkaart of a year (GeoPackage or GeoJSON), from PDOK or CBS."),
            bool(boundaries),
            [
                (
                    _("%(year)s: %(wijken)s wijken, %(buurten)s buurten")
                    % {"year": year, "wijken": nl_number(c["wijk"]), "buurten": nl_number(c["buurt"])},
                    None,
                )
                for year, c in boundaries.items()
            ],
            reverse("areas:upload") + "#grenzen" if home else None,
            _("Upload boundaries"),
        )
    )
    scan_links = []
    for year in figures:
        level = "buurt" if boundaries.get(year, {}).get("buurt") else "wijk"
        scan_links.append(
            (
                _("%(year)s: %(n)s values — open the wijkscan of %(year)s")
                % {"year": year, "n": nl_number(figures[year])},
                reverse("areas:map") + f"?niveau={level}&gemeente={home.code}&jaar={year}",
            )
        )
    steps.append(
        FirstRunStep(
            "cijfers",
            _("Load its CBS figures"),
            _(
                "Kerncijfers wijken en buurten as a CSV file, or from the CBS open-data API where there is internet."
            ),
            bool(figures),
            scan_links,
            reverse("areas:upload") + "#cijfers" if home else None,
            _("Upload figures"),
        )
    )
    totals = address_totals()
    address_state = [
        (
            ngettext("%(n)s address", "%(n)s addresses", totals.addresses)
            % {"n": nl_number(totals.addresses)},
            None,
        )
    ]
    address_state += [
        (_("in a buurt of %(year)s: %(n)s") % {"year": year, "n": nl_number(n)}, None)
        for year, n in totals.in_buurt.items()
    ]
    steps.append(
        FirstRunStep(
            "adressen",
            _("Import its BAG addresses"),
            _("The LVBAG extract from Kadaster, the BAG GeoPackage from PDOK, or an own address list."),
            totals.addresses > 0,
            address_state,
            reverse("cases:address_upload") if home else None,
            _("Import addresses"),
        )
    )
    partners = Organisation.objects.count()
    partner_users = Membership.objects.exclude(user=user).values("user").distinct().count()
    steps.append(
        FirstRunStep(
            "partners",
            _("Invite the partners"),
            _(
                "The partner organisations and their users: each user gets a link, sets a password and a second factor."
            ),
            partner_users > 0,
            [
                (
                    ngettext("%(n)s organisation", "%(n)s organisations", partners)
                    % {"n": nl_number(partners)},
                    None,
                ),
                (
                    ngettext("%(n)s other user", "%(n)s other users", partner_users)
                    % {"n": nl_number(partner_users)},
                    None,
                ),
            ],
            reverse("access:invitations"),
            _("Invitations"),
        )
    )
    covenants = access_selectors.covenants_active_count()
    approaches = Approach.objects.count()
    kinds = SignalKind.objects.filter(is_active=True).count()
    steps.append(
        FirstRunStep(
            "aanpak",
            _("Start the first approach"),
            _(
                "A covenant with the usual processing activities, agreed by the partners; then the approach of an area."
            ),
            approaches > 0,
            [
                (
                    ngettext("%(n)s covenant in force", "%(n)s covenants in force", covenants)
                    % {"n": nl_number(covenants)},
                    None,
                ),
                (
                    ngettext("%(n)s signal kind", "%(n)s signal kinds", kinds) % {"n": nl_number(kinds)},
                    reverse("cases:signal_kinds"),
                ),
                (
                    ngettext("%(n)s approach", "%(n)s approaches", approaches) % {"n": nl_number(approaches)},
                    None,
                ),
            ],
            reverse("access:covenant_template") if user.has_perm("access.add_covenant") else None,
            _("Start from the template"),
            _who("access.add_covenant"),
        )
    )
    return steps


@login_required
@require_http_methods(["GET", "POST"])
def first_run(request: HttpRequest) -> HttpResponse:
    """The first-run checklist for the beheerder of an instance without the demo, with its live state."""
    from django.contrib import messages

    from smaakmaker.access.audit import origin_of
    from smaakmaker.areas import services as area_services
    from smaakmaker.areas.forms import HomeGemeenteForm
    from smaakmaker.common.permissions import PermissionMissing

    for permission in FIRST_RUN_PERMISSIONS:
        if not request.user.has_perm(permission):
            raise PermissionMissing(permission)
    home = _home_gemeente()
    initial = {"name": home.name, "code": home.code} if home else {}
    form = HomeGemeenteForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                area_services.home_gemeente_set(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    code=form.cleaned_data["code"],
                    origin=origin_of(request),
                )
            except area_services.ImportError_ as exc:
                form.add_error("code", str(exc))
            else:
                messages.success(request, _("The municipality is named."))
                return redirect(reverse("web:first_run") + "#grenzen")
        status = 400
    steps = _first_run_steps(request.user, home)
    for step in steps:
        if not step.done:
            step.next = True
            break
    return render(
        request,
        "web/first_run.html",
        {
            "form": form,
            "home": home,
            "steps": steps,
            "done": sum(s.done for s in steps),
            "demo": settings.DEMO,
        },
        status=status,
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on every page, served by the app itself (no 404 in the log)."""
    path = finders.find("smaakmaker/favicon.ico")
    response = HttpResponse(Path(path).read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/toegankelijkheid.html")


@require_safe
def method(request: HttpRequest) -> HttpResponse:
    """The public method page: how areas are scored, the rules and estimators, what the software never does."""
    from smaakmaker.areas.selectors import method_facts
    from smaakmaker.web import algoritmeregister
    from smaakmaker.web import method as facts

    first, last = facts.loaded_years()
    return render(
        request,
        "web/method.html",
        {
            **method_facts(),
            "indicator_rows": facts.indicator_rows(),
            "first_year": first,
            "last_year": last,
            "kentering_text": facts.kentering_text(),
            "alert_rules": facts.alert_rule_texts(),
            "coherence_rules": facts.coherence_rules(),
            "estimators": facts.estimators(),
            "never": facts.NEVER,
            "algorithms": facts.ALGORITHMS,
            "standard_version": algoritmeregister.STANDARD_VERSION,
            "standard_source": algoritmeregister.STANDARD_SOURCE,
        },
    )


def _algorithm_or_404(slug: str) -> dict:
    from smaakmaker.web import method as facts

    if slug not in facts.ALGORITHMS_BY_SLUG:
        raise Http404
    return facts.algorithm_record(slug)


@require_safe
def algorithms_json(request: HttpRequest) -> HttpResponse:
    """Every algorithm in the fields of the Algoritmeregister publicatiestandaard, as one JSON list."""
    from smaakmaker.web import method as facts

    return JsonResponse(facts.algorithm_records(), safe=False, json_dumps_params={"ensure_ascii": False})


@require_safe
def algorithm_json(request: HttpRequest, slug: str) -> HttpResponse:
    return JsonResponse(_algorithm_or_404(slug), json_dumps_params={"ensure_ascii": False})


@require_safe
def algorithm_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The same record as a printable page, field by field in the order of the standard."""
    from django.utils.safestring import mark_safe

    from smaakmaker.web import algoritmeregister
    from smaakmaker.web import method as facts

    record = _algorithm_or_404(slug)
    rows = []
    for row in facts.field_rows(record):
        field = next(f for f in algoritmeregister.FIELDS if f.name == row["name"])
        value = row["value"]
        # only the standard's own HTML elements occur (``validate`` checks them); everything from the
        # database was escaped when the record was built
        rows.append({**row, "html": mark_safe(value) if field.html and isinstance(value, str) else None})  # noqa: S308
    return render(
        request,
        "web/algorithm.html",
        {
            "record": record,
            "rows": rows,
            "slug": slug,
            "standard_version": algoritmeregister.STANDARD_VERSION,
            "standard_source": algoritmeregister.STANDARD_SOURCE,
        },
    )


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, status)
    return render(request, template, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 400, "400.html")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """The 403 page says who can: the roles holding the refused permission, and the user's own roles."""
    if request.path.startswith("/api/"):
        return problem_response(request, 403)
    permission = getattr(exception, "permission", "")
    user = getattr(request, "user", None)
    context = {
        "who_can": [str(role.label) for role in roles_with(permission)] if permission else [],
        "own_roles": access_selectors.roles_of(user=user)
        if user is not None and user.is_authenticated
        else [],
    }
    return render(request, "403.html", context, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 404, "404.html")


def method_not_allowed(request: HttpRequest, allowed: str = "") -> HttpResponse:
    """The site's 405: problem details for the API, a page for the rest (``Allow`` kept)."""
    if request.path.startswith("/api/"):
        response = problem_response(request, 405)
    else:
        response = render(request, "405.html", status=405)
    if allowed:
        response["Allow"] = allowed
    return response


#: Seconds a client is asked to wait when the database is unavailable (503).
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached or is busy (PostgreSQL stopped or
    restarting, a broken connection, SQLite locked past its timeout): the request may succeed later."""
    return isinstance(exc, OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: a database that is away or locked is a 503 with
    # Retry-After (the client may try again), not a 500.
    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        response = problem_response(request, status)
    else:
        # No context processors that touch the database: the error may be the database itself.
        from django.template import loader

        template = "503.html" if unavailable else "500.html"
        response = HttpResponse(loader.get_template(template).render({}), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "403_csrf.html")
