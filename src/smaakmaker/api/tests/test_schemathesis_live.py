# SPDX-License-Identifier: EUPL-1.2
"""Schemathesis over the whole API against a live server (real HTTP over a socket), as three callers.

What runs is what ``schemathesis run`` runs: its engine, with every check (the default: all of
``schemathesis.checks``, negative_data_rejection and positive_data_acceptance included) and every
phase: examples (missing ones filled in), coverage (the boundary and negative cases the document
defines, and undeclared methods), fuzzing (positive and negative data) and stateful (sequences along
OpenAPI links). The document is the one the server serves at ``/api/v1/openapi.json``, so the code is
tested as it is, not the committed copy. It has no links of its own: schemathesis infers them from the
response schemas and from ``Location`` headers, and ``EXTRA_LINKS`` adds the create-then-use flows
that the inference misses.

The callers are a programme director (``regisseur``) and a partner professional (``professional``),
each with an organisation-bound API token, and an anonymous caller. No run can pass by skipping: the
examples, coverage and fuzzing phase must each have had an answer from every operation in the
document (counted from the recorded interactions, not from what the engine planned), the stateful
phase must have run and, for the token holders, walked links; every request without credentials to
an operation that needs them must have been refused (``credentials_required``).

Deterministic (fixed seed, derandomised, no example database) and bounded by ``MAX_EXAMPLES`` and
``STATEFUL_MAX_STEPS``: about 5,000 requests per caller, 5.4 CPU-minutes for the three callers (22 minutes
of wall time on two cores at load 9). It is part of the default suite, on SQLite and on PostgreSQL. The API
lock-out and rate limits are off: the checks send wrong tokens on purpose (``ignored_auth``), and
thousands of requests from one address (both are tested in access/tests/test_api_limits.py).

A failure is reported per operation and check with a curl command (token masked) and the answer; a
table of the counts per caller is printed after the module. ``SMAAKMAKER_SCHEMATHESIS_REPORT=<dir>``
also writes every failure and the status codes per operation to ``<dir>/<caller>.json``.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from schemathesis.engine import events, from_schema

from smaakmaker.access.models import Membership
from smaakmaker.access.services import api_token_create
from smaakmaker.cases.tests.conftest import world  # noqa: F401  (the fixture, shared with cases/tests)

SEED = 20_240_612
MAX_EXAMPLES = 40  # per operation in the fuzzing phase (the coverage phase is not bounded by it)
STATEFUL_MAX_STEPS = 8
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
UNIT_PHASES = ("examples", "coverage", "fuzzing")
REPORT_DIR = os.environ.get("SMAAKMAKER_SCHEMATHESIS_REPORT", "")

# caller -> demo user name (None: no credentials at all)
CALLERS = {"regisseur": "regisseur", "partner-professional": "professional", "anonymous": None}

# OpenAPI links for flows the inference does not find: (method, path, status) of the source, the
# link's name, (method, path) of the target and the link's parameters. Links already there are kept.
EXTRA_LINKS = [
    *(
        (("post", "/covenants", "201"), name, target, {"path.uuid": "$response.body#/uuid"})
        for name, target in (
            ("read", ("get", "/covenants/{uuid}")),
            ("edit", ("patch", "/covenants/{uuid}")),
            ("activate", ("post", "/covenants/{uuid}/activate")),
            ("add-activity", ("post", "/covenants/{uuid}/activities")),
            ("end", ("post", "/covenants/{uuid}/end")),
            ("add-reuse-decision", ("post", "/covenants/{uuid}/reuse-decisions")),
        )
    ),
    (
        ("post", "/plans/{uuid}/interventions", "201"),
        "set-status",
        ("post", "/plans/{uuid}/interventions/{ref}/status"),
        {"path.uuid": "$request.path.uuid", "path.ref": "$response.body#/ref"},
    ),
    (
        ("get", "/plans/{uuid}/interventions", "200"),
        "set-status",
        ("post", "/plans/{uuid}/interventions/{ref}/status"),
        {"path.uuid": "$request.path.uuid", "path.ref": "$response.body#/results/0/ref"},
    ),
]

# Body fields that name existing objects, and the list in ``Data.references`` they draw from (with
# this probability; otherwise a generated value) in the examples, fuzzing and stateful phases. The
# document cannot list these identifiers; without them hardly any create would succeed.
REFERENCE_FIELDS = {
    "body.address": "addresses",  # POST /cases, /inzage, /plans/{uuid}/interventions
    "body.participants[*]": "organisations",
    "body.partners[*]": "organisations",
    "body.owner": "organisations",
    "body.coordinator": "organisations",
    "body.processing_activity": "activities",
    "body.privacy_officer": "privacy_officers",
    "body.area_codes[*]": "buurten",
    "body.area": "buurten",
    "body.buurt_code": "buurten",  # POST /addresses and the searches
    "body.indicator": "indicators",
    "body.covariates[*]": "indicators",
    "body.intervention_type": "intervention_types",
    "body.signals[*].kind": "signal_kinds",
    "body.signals[*].address.buurt_code": "buurten",
}
REFERENCE_PROBABILITY = 0.8

# positive_data_acceptance: schema-valid data may still name an object that does not exist, or break
# a rule across fields or against stored data, which a JSON schema cannot express; the API rightly
# answers 400 naming the field. A refusal whose every field error is one of these (field, code) pairs
# is counted as ``tolerated``; any other refusal of schema-valid data is a failure.
EXPECTED_REFUSALS = {
    # no such object
    ("address", "unknown_address"),  # POST /cases
    ("participants", "unknown"),  # POST /cases
    ("partners", "does_not_exist"),  # covenants
    ("privacy_officer", "does_not_exist"),  # covenants: no active user with the privacy officer's role
    ("owner", "invalid"),  # interventions: "Unknown organisation."
    ("coordinator", "invalid"),
    ("intervention_type", "invalid"),  # "Unknown intervention type."
    ("area", "unknown"),  # evaluations
    ("indicator", "unknown"),
    ("covariates", "invalid"),  # "Onbekende indicatoren: …"
    ("kind", "unknown_kind"),  # signals
    # a rule across fields or against stored data
    ("activity", "no_processing_activity"),  # POST /cases: no covenant grant for that address
    ("kind", "no_processing_activity"),  # signals: no covenant grant for that kind in that buurt
    ("source", "invalid"),  # reuse decisions: not a processing activity of this covenant
    ("target", "invalid"),
    ("address", "invalid"),  # interventions: level "adres" needs an address, and only that level
    ("complex", "invalid"),  # interventions: level "complex" needs the complex
    ("level", "invalid"),  # interventions: the catalogue says at which levels a type may be used
    ("grants", "invalid"),  # activities: one grant per organisation kind and role
    ("code", "unique"),  # activities: a code another activity has (409 alone; 400 beside other errors)
    ("valid_until", "invalid"),  # covenants: the end before the start
    ("dpia_date", "invalid"),  # covenants: a DPIA dated in the future
    ("observed_on", "future"),  # signals
    ("address", "inconsistent"),  # signals: two items of one batch give one BAG id other address data
    ("decided_on", "future"),  # decisions
    # partner files: what a file holds is not in the document (a binary part); its rows are checked
    # against the register and the covenant (rows.<line>.<field>)
    ("file", "empty"),
    ("file", "unreadable"),
    ("file", "rejected_rows"),
    *(
        (name, "rejected_row")
        for name in (
            "nummeraanduiding_id",
            "postcode",
            "house_number",
            "house_letter",
            "addition",
            "kind",
            "date",
            "text",
            "reference",
            "row",
        )
    ),
}


@dataclass
class Data:
    world: object
    spare_covenant: str  # uuid of the covenant POST /covenants/{uuid}/end is pointed at
    references: dict[str, list[str]]  # name -> identifiers of existing objects (REFERENCE_FIELDS)


@dataclass
class Run:
    """What one caller's run sent and found, collected from the engine's events."""

    operations: set[str] = field(default_factory=set)  # every operation in the document
    public: set[str] = field(default_factory=set)  # operations that need no credentials
    answered: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # phase -> operations
    requests: Counter = field(default_factory=Counter)  # phase -> requests answered
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # operation -> codes
    links: Counter = field(default_factory=Counter)  # "source -> target" followed in the stateful phase
    scenarios: int = 0  # stateful scenarios
    failures: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    tolerated: Counter = field(default_factory=Counter)  # operation -> EXPECTED_REFUSALS
    errors: list[str] = field(default_factory=list)

    @property
    def failure_count(self) -> int:
        return sum(len(found) for found in self.failures.values())

    @property
    def succeeded(self) -> set[str]:
        """Operations that answered 2xx at least once."""
        return {label for label, codes in self.statuses.items() if any(200 <= code < 300 for code in codes)}


RESULTS: dict[str, Run] = {}


@pytest.fixture(autouse=True)
def _no_api_limits(settings):
    settings.API_LOCKOUT_FAILURES = 0
    settings.API_RATE_PER_TOKEN = 0
    settings.API_RATE_PER_ADDRESS = 0


@pytest.fixture
def data(world, tmp_path, monkeypatch) -> Data:  # noqa: F811  (the fixture)
    """The register world plus what the rest of the API reads: real CBS data of Nieuw-West (areas,
    indicators, a crosswalk), the demo approach with its plan, a finished effect evaluation, and a
    spare active covenant for ``POST /covenants/{uuid}/end``.

    Plan runs and evaluations run inline (the tests' ImmediateBackend): a worker beside the live server
    would write to the shared in-memory database while the live server does. The
    scheduler gets 0.2 s per run (the client chooses a run's ``time_limit_s``, up to 120 s).
    """
    from rich.console import Console

    from smaakmaker.access import services as access_services
    from smaakmaker.access.models import Organisation, ProcessingActivity
    from smaakmaker.areas.models import Indicator
    from smaakmaker.cases.demo import AREA, GEM, REG, W
    from smaakmaker.cases.models import Address, SignalKind
    from smaakmaker.monitoring import demo as monitoring_demo
    from smaakmaker.monitoring.tests.conftest import load_nieuw_west
    from smaakmaker.plans import demo as plans_demo
    from smaakmaker.plans import scheduling
    from smaakmaker.plans.models import InterventionType

    schedule_plan = scheduling.schedule_plan

    def quick_schedule_plan(plan, config, **kwargs):
        config = replace(config, time_limit_s=min(config.time_limit_s, 0.2), explain_time_limit_s=0.2)
        return schedule_plan(plan, config, **kwargs)

    monkeypatch.setattr(scheduling, "schedule_plan", quick_schedule_plan)

    quiet = Console(file=io.StringIO())
    load_nieuw_west(tmp_path)
    plans_demo.demo_load(stdout=quiet)
    monitoring_demo.demo_load(stdout=quiet)

    regisseur = world.users["regisseur"]
    spare = access_services.covenant_create(
        actor=regisseur,
        name="Convenant om te beëindigen (schemathesis)",
        area_codes=["BU0363FD03"],
        partners=list(Organisation.objects.filter(is_demo=True)),
        valid_from=date(2024, 1, 1),
        dpia_reference="DPIA (fictief)",
        dpia_date=date(2024, 1, 1),
        privacy_officer=world.users["privacy"],
    )
    access_services.processing_activity_create(
        actor=regisseur,
        covenant=spare,
        code="schemathesis-reserve",
        name="Reserve",
        purpose="Een convenant dat de fuzzer mag beëindigen.",
        avg_ground="6.1.e",
        legal_basis="Gemeentewet art. 172",
        data_categories=["adres"],
        compartment="algemeen",
        retention_days=30,
        grants=[(GEM, REG, AREA, W)],
    )
    access_services.covenant_activate(actor=regisseur, covenant=spare)

    references = {
        "addresses": [str(uuid) for uuid in Address.objects.values_list("uuid", flat=True)],
        "organisations": [str(uuid) for uuid in Organisation.objects.values_list("uuid", flat=True)],
        "activities": list(ProcessingActivity.objects.values_list("code", flat=True)),
        "privacy_officers": [world.users["privacy"].username],
        "buurten": ["BU0363FD04", "BU0363FD03"],
        "indicators": list(Indicator.objects.filter(active=True).values_list("key", flat=True)[:20]),
        "intervention_types": list(InterventionType.objects.values_list("code", flat=True)),
        "signal_kinds": list(SignalKind.objects.values_list("code", flat=True)),
    }
    return Data(world=world, spare_covenant=str(spare.uuid), references=references)


@pytest.fixture
def api_url(live_server) -> str:
    """The API's base URL on the live server, whose socket sends without delay.

    Django's development server writes a response's headers and body in separate small segments; with
    Nagle's algorithm on, a kept-alive connection then waits for the client's delayed ACK (40 ms),
    which made each request cost 45 ms instead of 2. Accepted sockets inherit the option.
    """
    httpd = getattr(getattr(live_server, "thread", None), "httpd", None)
    if httpd is not None:
        httpd.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return f"{live_server.url}/api/v1"


@pytest.fixture(scope="module", autouse=True)
def _counts_table(request):
    """Print the counts per caller after the module, also when pytest captures the output."""
    yield
    if not RESULTS:
        return
    header = (
        "caller",
        "operations",
        *UNIT_PHASES,
        "stateful",
        "requests",
        "2xx",
        "links",
        "tolerated",
        "failures",
    )
    rows = [header]
    for caller, run in RESULTS.items():
        rows.append(
            (
                caller,
                str(len(run.operations)),
                *(f"{len(run.answered[phase])}/{run.requests[phase]}" for phase in UNIT_PHASES),
                f"{len(run.answered['stateful'])}/{run.requests['stateful']} in {run.scenarios}",
                str(sum(run.requests.values())),
                str(len(run.succeeded)),
                str(len(run.links)),
                str(sum(run.tolerated.values())),
                f"{run.failure_count} ({len(run.failures)})",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "",
        f"schemathesis {schemathesis.__version__} on a live server: seed {SEED}, max_examples "
        f"{MAX_EXAMPLES}, stateful max_steps {STATEFUL_MAX_STEPS}",
        *("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows),
        "phase: operations answered/requests (stateful: in scenarios); 2xx: operations that succeeded at "
        "least once; links: distinct links followed; tolerated: EXPECTED_REFUSALS; failures: failed "
        "checks (distinct operation and check)",
    ]
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n".join(lines))


def _document(api_url: str) -> dict:
    """The served OpenAPI document with ``EXTRA_LINKS`` added."""
    response = requests.get(f"{api_url}/openapi.json", timeout=30)
    response.raise_for_status()
    document = response.json()
    paths = document["paths"]
    for (method, path, status), name, (target_method, target_path), parameters in EXTRA_LINKS:
        assert target_method in paths.get(target_path, {}), f"EXTRA_LINKS: no {target_method} {target_path}"
        responses = paths.get(path, {}).get(method, {}).get("responses", {})
        assert status in responses, f"EXTRA_LINKS: {method.upper()} {path} documents no {status}"
        pointer = "#/paths/" + target_path.replace("~", "~0").replace("/", "~1") + "/" + target_method
        links = responses[status].setdefault("links", {})
        links.setdefault(name, {"operationRef": pointer, "parameters": parameters})
    return document


def _config(api_url: str, headers: dict[str, str], data: Data) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": api_url,
            "headers": headers,
            "workers": 1,  # one request at a time: the live server shares the test's SQLite connection
            "continue-on-failure": True,
            "request-timeout": 120,  # a finished evaluation is computed inline (about a second when quiet)
            # Hypothesis's only health check that depends on the machine's speed: it would make a run on a
            # busy machine fail where the same run passes on a quiet one. The others stay on.
            "suppress-health-check": ["too_slow"],
            "cache": {"enabled": False},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # The caller is the token in ``headers`` (or none): no generated Authorization header
                # or session cookie. ``ignored_auth`` still sends requests without the token.
                "with-security-parameters": False,
                # DRF refuses NUL in every string field (400 "Null-tekens zijn niet toegestaan"),
                # which the document cannot say of every string; valid data leaves NUL out.
                "allow-x00": False,
            },
            # Ending the world's covenant would take every grant away and leave the rest of the run
            # nothing but 403s and 404s: POST /covenants/{uuid}/end gets a covenant of its own.
            "operations": [
                {
                    "include-name": "POST /covenants/{uuid}/end",
                    "parameters": {"path.uuid": data.spare_covenant},
                }
            ],
            "dictionaries": {name: {"values": values} for name, values in data.references.items()},
            "parameters": {
                key: {"dictionary": name, "probability": REFERENCE_PROBABILITY}
                for key, name in REFERENCE_FIELDS.items()
            },
            "phases": {
                "examples": {"fill-missing": True},
                "stateful": {"max-steps": STATEFUL_MAX_STEPS},
            },
        }
    )


def _routed_operations() -> set[str]:
    """Every operation the server routes under /api/v1 ("METHOD /path" as in the document): each URL
    pattern of ``smaakmaker.api.urls`` with each method its view implements (HEAD and OPTIONS, which
    DRF answers for every view, aside). The served document itself is not one of its operations."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route, pattern.callback

    operations = set()
    for route, callback in walk(get_resolver().url_patterns, "/"):
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if not route.startswith("/api/v1/") or view_class is None or route == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix("/api/v1"))
        for method in view_class.http_method_names:
            if method not in {"head", "options"} and hasattr(view_class, method):
                operations.add(f"{method.upper()} {path}")
    return operations


def _run(api_url: str, headers: dict[str, str], data: Data) -> Run:
    document = _document(api_url)
    schema = schemathesis.openapi.from_dict(document, config=_config(api_url, headers, data))
    run = Run()
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                label = f"{method.upper()} {path}"
                run.operations.add(label)
                if {} in item[method].get("security", document.get("security", [])):
                    run.public.add(label)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            _record(run, event)
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
    return run


def _record(run: Run, event: events.ScenarioFinished) -> None:
    phase = event.phase.value
    recorder = event.recorder
    run.scenarios += phase == "stateful"
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        response = interaction.response
        if node is None or response is None:
            continue
        case = node.value
        label = case.operation.label
        run.requests[phase] += 1
        if case.method.lower() != case.operation.method.lower():
            continue  # an undeclared method (coverage phase, unsupported_method)
        run.answered[phase].add(label)
        run.statuses[label][response.status_code] += 1
        if node.transition is not None and node.is_transition_applied and node.parent_id in recorder.cases:
            run.links[f"{recorder.cases[node.parent_id].value.operation.label} -> {label}"] += 1
        if (
            label not in run.public
            and "Authorization" not in interaction.request.headers
            and not _refused_without_credentials(interaction.request.uri, response)
        ):
            run.failures[(label, "credentials_required")].append(
                f"[{phase}] answered {response.status_code} without credentials\n"
                f"{case.as_curl_command()}\nanswer: {_text(response)}"
            )
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node else (event.label or "?")
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            if check.name == "positive_data_acceptance":
                errors = _field_errors(response)
                if errors and set(errors) <= EXPECTED_REFUSALS:
                    run.tolerated[label] += 1
                    continue
            failure = check.failure_info.failure
            status = response.status_code if response is not None else None
            steps = [step.curl for step in check.failure_info.steps] or [check.failure_info.code_sample]
            run.failures[(label, check.name)].append(
                f"[{phase}] {failure.title} (answered {status}): {failure.message.strip()}\n"
                + "\n".join(steps)
                + f"\nanswer: {_text(response)}"
            )


def _field_errors(response) -> list[tuple[str, str]] | None:
    """(field, code) of each invalid parameter of a 400 problem answer (the field without its path)."""
    if response is None or response.status_code != 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    params = body.get("invalidParams") if isinstance(body, dict) else None
    if not params:
        return None
    return [(str(param.get("name", "")).split(".")[-1], str(param.get("code", ""))) for param in params]


def _refused_without_credentials(uri: str, response) -> bool:
    """Whether a request without credentials to an operation that needs them was refused: 401; or the
    400 of a query parameter the operation does not take (answered before authentication, to every
    caller alike: the names are public); or the 404 of a path that routes nowhere (a path parameter
    not of its documented form)."""
    if response.status_code == 401:
        return True
    errors = _field_errors(response)
    if errors and all(code == "unknown" for _name, code in errors):
        return True
    if response.status_code != 404:
        return False
    try:
        resolve(unquote(urlsplit(uri).path))
    except Resolver404:
        return True
    return False


def _text(response, limit: int = 1500) -> str:
    if response is None:
        return "(none)"
    return (response.content or b"")[:limit].decode("utf-8", "replace")


def _report(run: Run) -> str:
    parts = [
        f"--- {label}: {check} ({len(found)}x), the first:\n{found[0]}"
        for (label, check), found in sorted(run.failures.items())
    ]
    parts.extend(f"--- error: {error}" for error in run.errors)
    return "\n".join(parts)


def _write_report(caller: str, run: Run) -> None:
    directory = Path(REPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    report = {
        "failures": {f"{label} | {check}": found for (label, check), found in sorted(run.failures.items())},
        "statuses": {label: dict(codes) for label, codes in sorted(run.statuses.items())},
        "tolerated": dict(run.tolerated),
        "links": dict(run.links),
        "requests": dict(run.requests),
        "errors": run.errors,
    }
    (directory / f"{caller}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))


@pytest.mark.parametrize("caller", list(CALLERS))
def test_schemathesis_over_the_whole_api(caller, api_url, data):
    username = CALLERS[caller]
    headers = {}
    if username is not None:
        user = data.world.users[username]
        _token, secret = api_token_create(
            name=f"schemathesis-{username}",
            user=user,
            organisation=Membership.objects.filter(user=user).first().organisation,
        )
        headers["Authorization"] = f"Bearer {secret}"

    run = RESULTS[caller] = _run(api_url, headers, data)
    if REPORT_DIR:
        _write_report(caller, run)

    # The document is all the server routes: an operation left out of it would be left out here too.
    assert run.operations == _routed_operations(), "the OpenAPI document and the routed API differ"

    for phase in UNIT_PHASES:  # nothing was skipped
        missing = sorted(run.operations - run.answered[phase])
        assert not missing, f"{phase}: no answer from {missing}"
    assert run.scenarios and run.requests["stateful"], "the stateful phase did not run"
    if username is None:
        assert all(200 in run.statuses[label] for label in run.public), (
            "a public operation never answered 200"
        )
    else:
        assert len(run.links) >= 5, f"the stateful phase followed too few links: {dict(run.links)}"
    assert not run.errors and not run.failures, f"{run.failure_count} failures\n{_report(run)}"
