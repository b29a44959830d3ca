# SPDX-License-Identifier: EUPL-1.2
"""Settings: the production profile is strict; docs, migrations and translations stay current."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from smaakmaker.conf.env import REGISTRY, ConfigError, declare, render_markdown

PRODUCTION_ENV = {
    "SMAAKMAKER_ENV": "production",
    "SMAAKMAKER_SECRET_KEY": "p7$k2!vQz9#Lr8@Xw4^Tn6&Jm3*Hb5(Gc1)Fd0_Se-Ra+Yu=Ii[Oo]Pp{Aa}Ss",
    "SMAAKMAKER_ALLOWED_HOSTS": "smaakmaker.voorbeeld.nl",
    "SMAAKMAKER_PUBLIC_URL": "https://smaakmaker.voorbeeld.nl",
    "SMAAKMAKER_PSEUDONYM_KEY": "Xq8#vR2!mK9$wL4^tN7&pB3*zC6(hJ1)gF5_dS0-aE",
    "SMAAKMAKER_API_CONTACT_EMAIL": "api@voorbeeld.nl",
}


def _manage(args, env_overrides, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SMAAKMAKER_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"  # set by browser tests
    }
    env.update(env_overrides)
    env["SMAAKMAKER_VAR_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(Path(settings.PROJECT_DIR) / "src")
    return subprocess.run(
        [sys.executable, "-m", "smaakmaker.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_production_profile_passes_check_deploy_without_warnings(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SMAAKMAKER_SECRET_KEY",
        "SMAAKMAKER_ALLOWED_HOSTS",
        "SMAAKMAKER_PUBLIC_URL",
        "SMAAKMAKER_PSEUDONYM_KEY",
        "SMAAKMAKER_API_CONTACT_EMAIL",
    ],
)
def test_production_profile_refuses_to_start_without_required_settings(tmp_path, missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = _manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_profile_refuses_plain_http_and_demo(tmp_path):
    http = _manage(["check"], {**PRODUCTION_ENV, "SMAAKMAKER_PUBLIC_URL": "http://x.nl"}, tmp_path)
    assert http.returncode != 0 and "https://" in http.stderr
    demo = _manage(["check"], {**PRODUCTION_ENV, "SMAAKMAKER_DEMO": "true"}, tmp_path)
    assert demo.returncode != 0 and "SMAAKMAKER_DEMO" in demo.stderr


def test_production_refuses_a_short_or_reused_pseudonym_key(tmp_path):
    short = _manage(["check"], {**PRODUCTION_ENV, "SMAAKMAKER_PSEUDONYM_KEY": "kort"}, tmp_path)
    assert short.returncode != 0 and "SMAAKMAKER_PSEUDONYM_KEY" in short.stderr
    reused = {**PRODUCTION_ENV, "SMAAKMAKER_PSEUDONYM_KEY": PRODUCTION_ENV["SMAAKMAKER_SECRET_KEY"]}
    same = _manage(["check"], reused, tmp_path)
    assert same.returncode != 0 and "different from SMAAKMAKER_SECRET_KEY" in same.stderr


def test_production_requires_second_factor(tmp_path):
    code = "from django.conf import settings; print(settings.OTP_REQUIRED, settings.SESSION_COOKIE_SECURE)"
    result = _manage(["shell", "-c", code], {**PRODUCTION_ENV, "SMAAKMAKER_OTP_REQUIRED": "false"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True"


def test_invalid_values_are_refused_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("SMAAKMAKER_TEST_FLAG", "misschien")
    with pytest.raises(ConfigError, match="SMAAKMAKER_TEST_FLAG"):
        declare("SMAAKMAKER_TEST_FLAG", default=False, kind="bool", help="test")
    REGISTRY.pop("SMAAKMAKER_TEST_FLAG", None)


def test_every_variable_has_help_and_config_docs_are_current():
    assert all(var.help for var in REGISTRY.values())
    committed = (Path(settings.PROJECT_DIR) / "docs" / "config.md").read_text()
    assert committed == render_markdown(), "docs/config.md is stale: run `smaakmaker configdocs`"


@pytest.mark.django_db
def test_migrations_are_current():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"Missing migrations:\n{out.getvalue()} (exit {exc.code})")


def test_dutch_translations_are_complete_and_compiled():
    """Every catalogue (project-wide and per app) is fully translated and its .mo is current."""
    catalogues = sorted(Path(settings.PACKAGE_DIR).glob("**/locale/nl/LC_MESSAGES/django.po"))
    assert catalogues
    for po_path in catalogues:
        catalogue = polib.pofile(str(po_path))
        untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
        fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
        assert not untranslated and not fuzzy, (po_path, untranslated, fuzzy)
        compiled = polib.mofile(str(po_path.with_suffix(".mo")))
        assert {e.msgid: e.msgstr for e in compiled if e.msgid} == {
            e.msgid: e.msgstr for e in catalogue.translated_entries()
        }, f"{po_path.with_suffix('.mo')} is stale: compile it (see docs/development.md)"


@pytest.mark.parametrize(("threshold", "expected"), [(None, "True 2"), ("5", "True 5"), ("0", "False None")])
def test_postgresql_prepared_statements_follow_the_setting(tmp_path, threshold, expected):
    env = {"DATABASE_URL": "postgres://smaakmaker@127.0.0.1:5432/smaakmaker"}
    if threshold is not None:
        env["SMAAKMAKER_DB_PREPARE_THRESHOLD"] = threshold
    code = (
        "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS'];"
        "print(o['server_side_binding'], o['prepare_threshold'])"
    )
    result = _manage(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
