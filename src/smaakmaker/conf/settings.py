# SPDX-License-Identifier: EUPL-1.2
"""Django settings for Smaakmaker, driven only by environment variables (see ``env.py``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from smaakmaker.conf.env import REGISTRY, ConfigError, declare, is_set

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_REPO_DIR = PACKAGE_DIR.parent.parent
PROJECT_DIR = _REPO_DIR if (_REPO_DIR / "pyproject.toml").exists() else Path.cwd()

try:
    ENVIRONMENT = declare(
        "SMAAKMAKER_ENV",
        default="development",
        help="`development` (embedded default: SQLite, demo allowed) or `production` (strict checks).",
    )
    if ENVIRONMENT not in {"development", "production"}:
        raise ConfigError(f"SMAAKMAKER_ENV must be 'development' or 'production', not {ENVIRONMENT!r}")
    IS_PRODUCTION = ENVIRONMENT == "production"

    VAR_DIR = Path(
        declare(
            "SMAAKMAKER_VAR_DIR",
            default=str(PROJECT_DIR / "var"),
            help="Folder for the embedded SQLite database and other local state.",
            shown_default="<checkout>/var",
        )
    )
    SECRET_KEY = declare(
        "SMAAKMAKER_SECRET_KEY",
        default="",
        help="Django secret key (at least 50 random characters). Generated per installation in "
        "development and kept in `var/secret_key`.",
        production_required=True,
    )
    PSEUDONYM_KEY = declare(
        "SMAAKMAKER_PSEUDONYM_KEY",
        default="",
        help="Key of the pseudonyms of data subjects in the processing log (at least 32 random "
        "characters, different from the secret key). Keep it stable and secret: with another key the "
        "log's earlier records no longer match a data subject (inzage). Development: derived from the "
        "secret key.",
        production_required=True,
    )
    DEBUG = declare(
        "SMAAKMAKER_DEBUG",
        default=False,
        kind="bool",
        help="Show Django's debug pages. Never in production.",
    )
    ALLOWED_HOSTS = declare(
        "SMAAKMAKER_ALLOWED_HOSTS",
        default=["127.0.0.1", "localhost"],
        kind="list",
        help="Comma-separated host names the app answers to.",
        production_required=True,
    )
    PUBLIC_URL = declare(
        "SMAAKMAKER_PUBLIC_URL",
        default="http://127.0.0.1:8000",
        help="The public base URL. In production it must start with `https://` (HTTPS is enforced).",
        production_required=True,
    )
    DATABASE_PREPARE_THRESHOLD = declare(
        "SMAAKMAKER_DB_PREPARE_THRESHOLD",
        default=2,
        kind="int",
        help="PostgreSQL: send parameters separately and prepare a statement on a connection after it ran "
        "this many times; 0 turns both off (Django's default client-side parameters, e.g. for a connection "
        "pooler that cannot keep prepared statements).",
    )
    DATABASE_URL = declare(
        "DATABASE_URL",
        default="",
        help="Database URL, e.g. `postgres://user@host:5432/smaakmaker`. Empty: SQLite in the var folder.",
    )
    DEMO = declare(
        "SMAAKMAKER_DEMO",
        default=not IS_PRODUCTION,
        kind="bool",
        help="Demo mode: shows the banner 'demo — geen echte gegevens' and lets demo users sign in "
        "with a password only. Refused in production.",
    )
    OTP_REQUIRED = declare(
        "SMAAKMAKER_OTP_REQUIRED",
        default=IS_PRODUCTION,
        kind="bool",
        help="Require a TOTP second factor for every user. Always on in production.",
    )
    SESSION_IDLE_MINUTES = declare(
        "SMAAKMAKER_SESSION_IDLE_MINUTES",
        default=30,
        kind="int",
        help="Sign a user out after this many minutes without a request.",
    )
    SESSION_ABSOLUTE_HOURS = declare(
        "SMAAKMAKER_SESSION_ABSOLUTE_HOURS",
        default=10,
        kind="int",
        help="Sign a user out this many hours after signing in, active or not.",
    )
    LOCKOUT_FAILURES = declare(
        "SMAAKMAKER_LOCKOUT_FAILURES",
        default=5,
        kind="int",
        help="Failed sign-ins (per user name and IP address) before the account is locked.",
    )
    LOCKOUT_MINUTES = declare(
        "SMAAKMAKER_LOCKOUT_MINUTES",
        default=30,
        kind="int",
        help="How long a lock-out lasts.",
    )
    API_RATE_PER_TOKEN = declare(
        "SMAAKMAKER_API_RATE_PER_TOKEN",
        default=600,
        kind="int",
        help="Requests per minute one API token may make (sliding window; over it: 429 with `Retry-After`; "
        "0: no limit). 600, ten a second, is several times what a partner system needs (bulk ingestion at "
        "2,000 signals/s is two requests a second of 1,000), while one runaway client loop cannot take the "
        "server: an address dossier costs about 40 ms of CPU (bench/register), so ten a second is a fifth "
        "of two cores.",
    )
    API_RATE_PER_ADDRESS = declare(
        "SMAAKMAKER_API_RATE_PER_ADDRESS",
        default=1200,
        kind="int",
        help="Requests per minute to the API from one client address, all tokens, sessions and anonymous "
        "calls together (an IPv6 address counts per /64 network; 0: no limit). Twice the per-token limit: "
        "two partner systems behind one gateway each get their full rate, and a client cannot escape the "
        "limit by spreading its calls over many tokens.",
    )
    API_LOCKOUT_FAILURES = declare(
        "SMAAKMAKER_API_LOCKOUT_FAILURES",
        default=20,
        kind="int",
        help="Wrong, expired or revoked API tokens from one client address within "
        "`SMAAKMAKER_API_LOCKOUT_WINDOW_MINUTES` before that address is locked out (0: no lock-out). "
        "Token secrets are 256 random bits, so guessing one is hopeless; the lock-out stops trying lists "
        "of leaked tokens. 20 rather than sign-in's 5: a partner system whose token just expired retries "
        "a few times, and should get clear 401s before its address is locked.",
    )
    API_LOCKOUT_WINDOW_MINUTES = declare(
        "SMAAKMAKER_API_LOCKOUT_WINDOW_MINUTES",
        default=10,
        kind="int",
        help="Minutes over which wrong API tokens are counted per client address. 10 catches a steady "
        "scan (two tries a minute or more) and forgets an occasional mistake.",
    )
    API_LOCKOUT_MINUTES = declare(
        "SMAAKMAKER_API_LOCKOUT_MINUTES",
        default=15,
        kind="int",
        help="How long a client address is locked out after too many wrong API tokens: every request "
        "with a bearer token from it, right or wrong, gets 429 with `Retry-After`; each lock-out is "
        "audited. 15 minutes holds a scan to about 80 tries an hour, while a partner system with a "
        "corrected token is back within a quarter of an hour.",
    )
    TRUSTED_PROXIES = declare(
        "SMAAKMAKER_TRUSTED_PROXIES",
        default=0,
        kind="int",
        help="Number of reverse proxies in front of the app that each append the client address to "
        "`X-Forwarded-For`; the client address (API limits and lock-out, sign-in lock-out) is then the "
        "n-th entry from the right. 0 (default): the connection's `REMOTE_ADDR`, and `X-Forwarded-For` "
        "is ignored, so a client cannot choose its address. Behind one TLS-terminating proxy that sets "
        "the header: 1. A number higher than the real one lets clients choose their address and "
        "dodge the limits.",
    )
    PASSWORD_MIN_LENGTH = declare(
        "SMAAKMAKER_PASSWORD_MIN_LENGTH",
        default=12,
        kind="int",
        help="Minimum password length.",
    )
    LOG_LEVEL = declare(
        "SMAAKMAKER_LOG_LEVEL", default="INFO", help="Log level (DEBUG, INFO, WARNING, ERROR)."
    )
    LOG_JSON = declare(
        "SMAAKMAKER_LOG_JSON",
        default=IS_PRODUCTION,
        kind="bool",
        help="Write logs as JSON lines (structlog) instead of console format.",
    )
    STATIC_ROOT_SETTING = declare(
        "SMAAKMAKER_STATIC_ROOT",
        default="",
        help="Folder for `collectstatic` in production. Empty: `var/static`.",
    )
    HSTS_SECONDS = declare(
        "SMAAKMAKER_HSTS_SECONDS",
        default=31536000,
        kind="int",
        help="Strict-Transport-Security max-age in production.",
    )
    BASEMAP_URL = declare(
        "SMAAKMAKER_BASEMAP_URL",
        default="",
        help="Tile URL template for a basemap under the area maps, e.g. PDOK's BRT "
        "`https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png`. "
        "Empty (default): no basemap, nothing is loaded from other servers. Its origin is added to the CSP.",
    )
    SCAN_THEME_WEIGHTS_TEXT = declare(
        "SMAAKMAKER_SCAN_THEME_WEIGHTS",
        default="inkomen=1,wonen=1,veiligheid=1,voorzieningen=1,zorg_jeugd=1",
        help="Weights of the themes in the wijkscan's vulnerability index, as `theme=weight` pairs; a theme "
        "with weight 0 does not count. Themes: inkomen, wonen, veiligheid, voorzieningen, zorg_jeugd.",
    )
    SCAN_MIN_POPULATION = declare(
        "SMAAKMAKER_SCAN_MIN_POPULATION",
        default=500,
        kind="int",
        help="Areas with fewer inhabitants than this (or an unknown number) are shown in the wijkscan with "
        'their values, estimates and index, but not ranked ("te klein om te rangschikken"). At 500 '
        "inhabitants (about 250 households) the standard error of a 10 % household share is still about "
        "2 percentage points. 0: rank every area with enough indicators.",
    )
    BEHIND_PROXY = declare(
        "SMAAKMAKER_BEHIND_PROXY",
        default=False,
        kind="bool",
        help="Trust the `X-Forwarded-Proto` header of a TLS-terminating reverse proxy (the client address "
        "in `X-Forwarded-For`: `SMAAKMAKER_TRUSTED_PROXIES`).",
    )
    MAX_REQUEST_BYTES = declare(
        "SMAAKMAKER_MAX_REQUEST_BYTES",
        default=10 * 1024 * 1024,
        kind="int",
        help="Largest request body in bytes (Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`, here for every API body, "
        "uploads included); a larger one gets 413 problem details before it is read. 10 MiB holds a "
        "1,000-signal batch many times over (measured: 255 kB with short descriptions, 1.3 MB with "
        "500-character ones, 3.3 MB if every character of those is `\\u`-escaped) and the largest batch "
        "the API takes, 5,000 signals, with descriptions up to 500 characters (6.6 MB), while one "
        "request cannot make a worker parse hundreds of megabytes. At least 1024.",
    )
    UPLOAD_MAX_BYTES = declare(
        "SMAAKMAKER_UPLOAD_MAX_BYTES",
        default=512 * 1024 * 1024,
        kind="int",
        help="Largest file the beheerder uploads in the web on the first-run pages (boundaries, CBS figures, "
        "BAG addresses); a larger request is refused before it is read. 512 MiB holds a gemeente's LVBAG "
        "extract and the CBS Wijk- en buurtkaart of the whole country; the national BAG extract (about "
        "3.6 GB) is imported with `smaakmaker addresses import-bag` instead.",
    )
    API_CONTACT_NAME = declare(
        "SMAAKMAKER_API_CONTACT_NAME",
        default="Smaakmaker maintainers",
        help="Contact of the API for partner systems (`info.contact.name` of the OpenAPI document): the team "
        "that runs this installation.",
    )
    API_CONTACT_EMAIL = declare(
        "SMAAKMAKER_API_CONTACT_EMAIL",
        default="smaakmaker@example.invalid",
        help="E-mail address of that contact (`info.contact.email`). The development default is a "
        "placeholder, so production requires a real one.",
        production_required=True,
    )
    ORGANISATION_NAME = declare(
        "SMAAKMAKER_ORGANISATION_NAME",
        default="Gemeente Voorbeeld (demo)",
        help="The organisation that runs this installation, as it appears in the Algoritmeregister "
        "(`organization` of the publicatiestandaard: the full name, e.g. `Gemeente Amsterdam`).",
    )
    API_CONTACT_URL = declare(
        "SMAAKMAKER_API_CONTACT_URL",
        default="",
        help="Web page of that contact (`info.contact.url`). Empty: `SMAAKMAKER_PUBLIC_URL`.",
    )
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

try:
    SCAN_THEME_WEIGHTS = {
        key.strip(): float(value)
        for key, value in (pair.split("=", 1) for pair in SCAN_THEME_WEIGHTS_TEXT.split(",") if pair.strip())
    }
except ValueError as exc:
    raise ImproperlyConfigured(
        "SMAAKMAKER_SCAN_THEME_WEIGHTS: expected pairs like inkomen=1,wonen=0.5"
    ) from exc
if set(SCAN_THEME_WEIGHTS) - {"inkomen", "wonen", "veiligheid", "voorzieningen", "zorg_jeugd"} or any(
    weight < 0 for weight in SCAN_THEME_WEIGHTS.values()
):
    raise ImproperlyConfigured("SMAAKMAKER_SCAN_THEME_WEIGHTS: unknown theme or negative weight")
if SCAN_MIN_POPULATION < 0:
    raise ImproperlyConfigured("SMAAKMAKER_SCAN_MIN_POPULATION: must be 0 or more")
for _name in (
    "API_RATE_PER_TOKEN",
    "API_RATE_PER_ADDRESS",
    "API_LOCKOUT_FAILURES",
    "API_LOCKOUT_WINDOW_MINUTES",
    "API_LOCKOUT_MINUTES",
    "TRUSTED_PROXIES",
):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"SMAAKMAKER_{_name}: must be 0 or more")
if MAX_REQUEST_BYTES < 1024:
    raise ImproperlyConfigured("SMAAKMAKER_MAX_REQUEST_BYTES: must be 1024 or more")
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
if API_LOCKOUT_FAILURES and API_LOCKOUT_WINDOW_MINUTES < 1:
    raise ImproperlyConfigured("SMAAKMAKER_API_LOCKOUT_WINDOW_MINUTES: must be 1 or more")

VAR_DIR.mkdir(parents=True, exist_ok=True)

if IS_PRODUCTION:
    missing = [var.name for var in REGISTRY.values() if var.production_required and not is_set(var.name)]
    if missing:
        raise ImproperlyConfigured("Production profile: set " + ", ".join(missing) + " (see docs/config.md).")
    if not PUBLIC_URL.startswith("https://"):
        raise ImproperlyConfigured("Production profile: SMAAKMAKER_PUBLIC_URL must start with https://.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "Production profile: SMAAKMAKER_SECRET_KEY needs at least 50 random characters."
        )
    if len(PSEUDONYM_KEY) < 32 or PSEUDONYM_KEY == SECRET_KEY:
        raise ImproperlyConfigured(
            "Production profile: SMAAKMAKER_PSEUDONYM_KEY needs at least 32 random characters, "
            "different from SMAAKMAKER_SECRET_KEY."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production profile: SMAAKMAKER_DEBUG must be off.")
    if DEMO:
        raise ImproperlyConfigured("Production profile: SMAAKMAKER_DEMO must be off.")
    OTP_REQUIRED = True
elif not SECRET_KEY:
    from django.core.management.utils import get_random_secret_key

    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        _key_file.write_text(get_random_secret_key())
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
if not PSEUDONYM_KEY:
    PSEUDONYM_KEY = "smaakmaker-logboek:" + SECRET_KEY  # development only (production requires its own)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "smaakmaker.common",
    "smaakmaker.access",
    "smaakmaker.areas",
    "smaakmaker.cases",
    "smaakmaker.plans",
    "smaakmaker.monitoring",
    "smaakmaker.api",
    "smaakmaker.web",
]

MIDDLEWARE = [
    "smaakmaker.web.middleware.SecurityHeadersMiddleware",
    "smaakmaker.api.middleware.ApiVersionMiddleware",
    "smaakmaker.api.middleware.RequestSizeLimitMiddleware",
    "smaakmaker.api.middleware.StrictQueryMiddleware",
    "smaakmaker.access.tracing.TraceparentMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smaakmaker.access.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "smaakmaker.access.middleware.SessionTimeoutMiddleware",
    "smaakmaker.access.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # innermost, so the page it makes of a bare 405 still passes every middleware above
    "smaakmaker.web.middleware.MethodNotAllowedMiddleware",
]

ROOT_URLCONF = "smaakmaker.conf.urls"
WSGI_APPLICATION = "smaakmaker.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smaakmaker.web.context_processors.smaakmaker",
            ],
        },
    }
]

LOG_RETENTION_DAYS = declare(
    "SMAAKMAKER_LOG_RETENTION_DAYS",
    default=1826,
    kind="int",
    help="Days the audit and processing-log records are kept; older ones are removed by the scheduled job "
    "`log_retention` with a signed checkpoint, so the remaining chain still verifies. Never shorter than the "
    "longest retention period of a processing activity (an inzage must show how data was processed for as "
    "long as the data may exist). Default five years: neither the BIO nor the Logboek Dataverwerkingen sets "
    "a term (the standard leaves one static term per organisation to the organisation), and five years is "
    "the limitation period of a claim for damages (art. 3:310 BW), within which a resident may still need "
    "the log to show who processed their data.",
)

SQLITE_TIMEOUT = declare(
    "SMAAKMAKER_SQLITE_TIMEOUT",
    default=20,
    kind="int",
    help="SQLite (embedded default): seconds a request waits for another writer's lock before it gives up "
    "with 503 and `Retry-After` (a backup, a long import or another program holding the database).",
)

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Server-side parameters and prepared statements: the register's queries are planned once per
        # connection instead of on every request (planning cost more than running them; see bench/register).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "server_side_binding": DATABASE_PREPARE_THRESHOLD > 0,
                "prepare_threshold": DATABASE_PREPARE_THRESHOLD or None,
            }
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "smaakmaker.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_TIMEOUT,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: one queue in the database, run by `smaakmaker worker` (common/background.py).
# Tests run tasks inline (ImmediateBackend, set in conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

import smaakmaker.conf.schedule  # noqa: E402,F401  (declares the schedule's variables)

# --- Sign-in through the organisation's identity provider (OpenID Connect, mozilla-django-oidc) ----------
# Off unless SMAAKMAKER_OIDC_CLIENT_ID is set; local accounts always keep working (ADR 0018,
# docs/operations.md). Which IdP group gives which role in which organisation is set by the beheerder on
# /toegang/inlogkoppelingen/ (access.OidcRoleMapping), not here.
try:
    OIDC_RP_CLIENT_ID = declare(
        "SMAAKMAKER_OIDC_CLIENT_ID",
        default="",
        help="Client id of Smaakmaker at the identity provider (OpenID Connect). Empty (default): no sign-in "
        "through an identity provider, local accounts only. Set, the sign-in page offers both and every "
        "`SMAAKMAKER_OIDC_*` endpoint below must be set. Redirect URI to register at the provider: "
        "`<SMAAKMAKER_PUBLIC_URL>/oidc/callback/`; after sign-out: `<SMAAKMAKER_PUBLIC_URL>/inloggen/`.",
    )
    OIDC_RP_CLIENT_SECRET = declare(
        "SMAAKMAKER_OIDC_CLIENT_SECRET",
        default="",
        help="Client secret of Smaakmaker at the identity provider (sent in the token request's body, "
        "`client_secret_post`).",
    )
    OIDC_OP_AUTHORIZATION_ENDPOINT = declare(
        "SMAAKMAKER_OIDC_AUTHORIZATION_ENDPOINT",
        default="",
        help="The provider's `authorization_endpoint` (from its `/.well-known/openid-configuration`).",
    )
    OIDC_OP_TOKEN_ENDPOINT = declare(
        "SMAAKMAKER_OIDC_TOKEN_ENDPOINT", default="", help="The provider's `token_endpoint`."
    )
    OIDC_OP_USER_ENDPOINT = declare(
        "SMAAKMAKER_OIDC_USERINFO_ENDPOINT", default="", help="The provider's `userinfo_endpoint`."
    )
    OIDC_OP_JWKS_ENDPOINT = declare(
        "SMAAKMAKER_OIDC_JWKS_ENDPOINT",
        default="",
        help="The provider's `jwks_uri` (its keys that sign the ID tokens).",
    )
    OIDC_OP_END_SESSION_ENDPOINT = declare(
        "SMAAKMAKER_OIDC_END_SESSION_ENDPOINT",
        default="",
        help="The provider's `end_session_endpoint`: signing out of Smaakmaker then also ends the session at "
        "the provider (RP-initiated logout, with `id_token_hint` and `post_logout_redirect_uri`). Empty: "
        "only the Smaakmaker session ends.",
    )
    OIDC_RP_SIGN_ALGO = declare(
        "SMAAKMAKER_OIDC_SIGN_ALGO",
        default="RS256",
        help="Algorithm of the provider's ID-token signatures (RS256 for Entra ID, Keycloak and ADFS).",
    )
    OIDC_RP_SCOPES = declare(
        "SMAAKMAKER_OIDC_SCOPES",
        default="openid email profile",
        help="Scopes asked for. Add the provider's scope for group claims where it needs one (Keycloak: a "
        "client scope with a group mapper, e.g. `openid email profile groups`).",
    )
    OIDC_USERNAME_CLAIM = declare(
        "SMAAKMAKER_OIDC_USERNAME_CLAIM",
        default="preferred_username",
        help="Claim that gives the user name of an account made at the first sign-in (and links an account "
        "the beheerder made beforehand without a password). The link itself is the provider's `sub`.",
    )
    OIDC_GROUPS_CLAIM = declare(
        "SMAAKMAKER_OIDC_GROUPS_CLAIM",
        default="groups",
        help="Claim with the user's groups (a list or one value) that the beheerder's sign-in mappings match "
        "(Entra ID: `groups`, object ids, or `roles` for app roles; ADFS: `group` or `role`).",
    )
    OIDC_MFA_AMR = declare(
        "SMAAKMAKER_OIDC_MFA_AMR",
        default=["mfa", "otp", "hwk", "swk", "sms", "fido"],
        kind="list",
        help="Values of the ID token's `amr` claim (RFC 8176) that count as multi-factor authentication at "
        "the provider; a sign-in that has one needs no local TOTP code. Empty: the provider's `amr` is "
        "never trusted.",
    )
    OIDC_MFA_ACR = declare(
        "SMAAKMAKER_OIDC_MFA_ACR",
        default=[],
        kind="list",
        help="Values of the ID token's `acr` claim that count as multi-factor authentication (e.g. a "
        "Keycloak level of assurance you configured for MFA). Empty (default): `acr` is not used.",
    )
    OIDC_LABEL = declare(
        "SMAAKMAKER_OIDC_LABEL",
        default="",
        help="Text of the sign-in button for the identity provider. Empty: 'Inloggen met uw organisatieaccount'.",
    )
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    _oidc_missing = [
        name
        for name in (
            "SMAAKMAKER_OIDC_CLIENT_SECRET",
            "SMAAKMAKER_OIDC_AUTHORIZATION_ENDPOINT",
            "SMAAKMAKER_OIDC_TOKEN_ENDPOINT",
            "SMAAKMAKER_OIDC_USERINFO_ENDPOINT",
            "SMAAKMAKER_OIDC_JWKS_ENDPOINT",
        )
        if not is_set(name)
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(
            "SMAAKMAKER_OIDC_CLIENT_ID is set: also set "
            + ", ".join(_oidc_missing)
            + " (see docs/config.md)."
        )
# mozilla-django-oidc's own settings, fixed here
OIDC_AUTHENTICATION_CALLBACK_URL = "access:oidc_callback"
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of RP-initiated logout
OIDC_CREATE_USER = True  # …but only where a mapping allows it (access.oidc.OidcBackend.create_user)
OIDC_TIMEOUT = 15
OIDC_OP_LOGOUT_URL_METHOD = "smaakmaker.access.oidc.end_session_url"
LOGIN_REDIRECT_URL_FAILURE = "access:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # answers only the OIDC callback, and only when OIDC_ENABLED
    "smaakmaker.access.oidc.OidcBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "access:login"

# Sessions: idle time-out by cookie age refreshed on every request, absolute time-out by middleware.
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "smaakmaker_session"
CSRF_COOKIE_HTTPONLY = True
SESSION_IDLE_TIMEOUT = timedelta(minutes=SESSION_IDLE_MINUTES)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=SESSION_ABSOLUTE_HOURS)

# Lock-out (django-axes): per user name and IP address.
AXES_FAILURE_LIMIT = LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client address by the same rule as the API limits (SMAAKMAKER_TRUSTED_PROXIES). The former
# AXES_IPWARE_PROXY_COUNT had no effect: django-ipware is not installed, so axes always used REMOTE_ADDR.
AXES_CLIENT_IP_CALLABLE = "smaakmaker.access.throttling.client_address"
# The OIDC callback is not a password check: the identity provider checks credentials and locks out;
# our refusals of it are in the audit log (access.oidc). Local sign-in is counted and locked as before.
AXES_WHITELIST_CALLABLE = "smaakmaker.access.oidc.axes_exempt"

# API rate limits and lock-out (smaakmaker.access.throttling): counters in the database, shared by all
# server processes; the table is made by migration access.0007.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api_limits": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "smaakmaker_api_limits",
        # Entries live at most a lock-out long; expired ones are removed once there are more than this.
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

OTP_TOTP_ISSUER = "Smaakmaker"

# E-mail (invitations to partner users). Without an SMTP server: printed on the console in development,
# not sent in production (the beheerder passes the link on, which the invitation page always shows).
EMAIL_HOST = declare(
    "SMAAKMAKER_EMAIL_HOST",
    default="",
    help="SMTP server for the invitation e-mails. Empty: in development the e-mails are printed on the "
    "console; in production none are sent, and the beheerder passes on the link the page shows.",
)
EMAIL_PORT = declare("SMAAKMAKER_EMAIL_PORT", default=587, kind="int", help="Port of the SMTP server.")
EMAIL_HOST_USER = declare("SMAAKMAKER_EMAIL_USER", default="", help="User name at the SMTP server.")
EMAIL_HOST_PASSWORD = declare("SMAAKMAKER_EMAIL_PASSWORD", default="", help="Password at the SMTP server.")
EMAIL_USE_TLS = declare(
    "SMAAKMAKER_EMAIL_TLS", default=True, kind="bool", help="Use STARTTLS with the SMTP server."
)
DEFAULT_FROM_EMAIL = declare(
    "SMAAKMAKER_EMAIL_FROM",
    default="smaakmaker@localhost",
    help="Sender address of the e-mails Smaakmaker sends.",
)
EMAIL_TIMEOUT = 15
#: whether invitations are e-mailed at all (``access.services.invitation_mail_send``)
EMAIL_ENABLED = bool(EMAIL_HOST) or not IS_PRODUCTION
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(STATIC_ROOT_SETTING) if STATIC_ROOT_SETTING else VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION

# Security headers (more in smaakmaker.web.middleware.SecurityHeadersMiddleware).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_BASEMAP_ORIGIN = "/".join(BASEMAP_URL.split("/")[:3]) if BASEMAP_URL.startswith("https://") else ""
# Sign-out posts a form whose answer sends the browser on to the provider's end-session endpoint.
_FORM_ACTION = "'self'"
if OIDC_ENABLED and OIDC_OP_END_SESSION_ENDPOINT.startswith(("https://", "http://")):
    _FORM_ACTION += " " + "/".join(OIDC_OP_END_SESSION_ENDPOINT.split("/")[:3])
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data: {_BASEMAP_ORIGIN}".rstrip()
    + "; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    f"form-action {_FORM_ACTION}; frame-ancestors 'none'"
)
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL.rstrip("/")]
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-smaakmaker_session"
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "smaakmaker.access.authentication.ApiTokenAuthentication",
        "smaakmaker.access.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "smaakmaker.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "smaakmaker.api.pagination.Pages",
    "EXCEPTION_HANDLER": "smaakmaker.api.problems.exception_handler",
    # errors of a whole object, in invalidParams (smaakmaker.api.problems.NON_FIELD_ERRORS)
    "NON_FIELD_ERRORS_KEY": "nonFieldErrors",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "smaakmaker.access.throttling.AddressRateThrottle",
        "smaakmaker.access.throttling.TokenRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXIES,
}
API_VERSION = "1.0.0"
SPECTACULAR_SETTINGS = {
    "TITLE": "Smaakmaker API",
    "DESCRIPTION": "API for partner systems of the neighbourhood method Zoet Zuur Zout Bitter. "
    "Errors are application/problem+json; every response carries an API-Version header.",
    "VERSION": API_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # paths relative to the server URL, which carries the major version (/core/uri-version)
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "LICENSE": {"name": "EUPL-1.2"},
    "ENUM_NAME_OVERRIDES": {
        "HealthStateEnum": ["ok", "error"],
        "CaseStatusEnum": "smaakmaker.cases.workflow.STATUSES",
        "InterventionLevelEnum": "smaakmaker.plans.models.Level",
        "InterventionStatusEnum": "smaakmaker.plans.models.InterventionStatus",
        "SchedulerRunStateEnum": "smaakmaker.plans.models.RunState",
        "SchedulerRunDecisionEnum": "smaakmaker.plans.models.RunDecision",
        "DecisionEnum": ["accept", "reject"],
        "LevelEnum": "smaakmaker.areas.models.AreaLevel",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smaakmaker.api.schema.add_problem_responses",
        "smaakmaker.api.schema.add_servers_and_contact",
        "smaakmaker.api.schema.drop_backend_integer_limits",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}, "django.request": {"level": "ERROR"}},
}

from smaakmaker.common.logging import configure_structlog  # noqa: E402

configure_structlog(json=LOG_JSON, level=LOG_LEVEL)
CSRF_FAILURE_VIEW = "smaakmaker.web.views.csrf_failure"
