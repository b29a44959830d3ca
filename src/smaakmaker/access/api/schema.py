# SPDX-License-Identifier: EUPL-1.2
"""OpenAPI descriptions of the authentication schemes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "smaakmaker.access.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Organisation-bound API token: `Authorization: Bearer <prefix>.<secret>`.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "smaakmaker.access.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "smaakmaker_session",
            "description": "Browser session after sign-in (and second factor where required); needs CSRF.",
        }
