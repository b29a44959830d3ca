# SPDX-License-Identifier: EUPL-1.2
"""Reading an identity provider's claims: groups and multi-factor assertions. No Django here.

The claims come from a verified ID token and the provider's userinfo answer (``access.oidc``); these
functions only decide what they say, so the rules can be tested without a provider or a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def claim_values(claims: Mapping, name: str) -> list[str]:
    """The values of one claim as a list of non-blank strings, in order and without repeats.

    Providers send a group claim as a list (Entra ID, Keycloak), as one string (ADFS with a single
    group), or not at all; anything else (numbers, nested objects) is read as its text, blanks dropped.
    """
    raw = claims.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    seen: list[str] = []
    for item in items:
        if item is None or isinstance(item, dict | list):
            continue
        text = str(item).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def mfa_asserted(id_token: Mapping, *, amr_values: Iterable[str], acr_values: Iterable[str]) -> bool:
    """Whether the ID token says the provider authenticated the user with more than one factor.

    True when one of the token's ``amr`` values (RFC 8176: ``mfa``, ``otp``, ``hwk`` …) is in
    ``amr_values``, or its ``acr`` is in ``acr_values``. Compared without regard to case; an empty
    configured list trusts nothing.
    """
    wanted_amr = {value.strip().lower() for value in amr_values if value.strip()}
    wanted_acr = {value.strip().lower() for value in acr_values if value.strip()}
    amr = {value.lower() for value in claim_values(id_token, "amr")}
    acr = id_token.get("acr")
    if wanted_amr & amr:
        return True
    return isinstance(acr, str) and acr.strip().lower() in wanted_acr
