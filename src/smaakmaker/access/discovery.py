# SPDX-License-Identifier: EUPL-1.2
"""From a provider's discovery document to Smaakmaker's environment variables. No Django here.

``smaakmaker oidcconfig ISSUER`` reads ``<ISSUER>/.well-known/openid-configuration`` and prints the
``SMAAKMAKER_OIDC_*`` endpoint variables, with warnings for what Smaakmaker's client needs and the
provider does not say it offers. Settings never fetch it themselves: nothing goes out while they load.
"""

from __future__ import annotations

from collections.abc import Mapping

#: environment variable -> field of the discovery document (OpenID Connect Discovery 1.0, RP-Initiated Logout)
ENDPOINTS = {
    "SMAAKMAKER_OIDC_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "SMAAKMAKER_OIDC_TOKEN_ENDPOINT": "token_endpoint",
    "SMAAKMAKER_OIDC_USERINFO_ENDPOINT": "userinfo_endpoint",
    "SMAAKMAKER_OIDC_JWKS_ENDPOINT": "jwks_uri",
    "SMAAKMAKER_OIDC_END_SESSION_ENDPOINT": "end_session_endpoint",
}


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def settings_from_discovery(document: Mapping, *, issuer: str) -> tuple[list[str], list[str]]:
    """The ``NAME=value`` lines for the endpoints, and warnings (in English, for the operator's log)."""
    lines: list[str] = []
    warnings: list[str] = []
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        warnings.append(f"the document's issuer is {document.get('issuer')!r}, not {issuer!r}")
    for name, field in ENDPOINTS.items():
        value = document.get(field)
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            lines.append(f"{name}={value}")
        elif field == "end_session_endpoint":
            warnings.append("no end_session_endpoint: signing out ends the Smaakmaker session only")
        else:
            warnings.append(f"no {field} in the document: Smaakmaker cannot use this provider without it")
    checks = (
        ("response_types_supported", "code", "the authorization code flow"),
        ("code_challenge_methods_supported", "S256", "PKCE with S256"),
        ("token_endpoint_auth_methods_supported", "client_secret_post", "client_secret_post"),
        (
            "id_token_signing_alg_values_supported",
            "RS256",
            "RS256 ID tokens (else set SMAAKMAKER_OIDC_SIGN_ALGO)",
        ),
    )
    for field, wanted, what in checks:
        offered = document.get(field)
        if isinstance(offered, list) and wanted not in offered:
            warnings.append(f"{field} does not list {wanted!r}: Smaakmaker uses {what}")
    return lines, warnings
