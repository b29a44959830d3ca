# SPDX-License-Identifier: EUPL-1.2
"""Configuration from environment variables, each declared exactly once.

Every variable Smaakmaker reads is declared through :func:`declare`, with a default that is
safe for development and a help text. ``docs/config.md`` is generated from this registry
(``smaakmaker configdocs``) and a test keeps it current.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ConfigError(Exception):
    """A configuration variable has an invalid value or is missing where required."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: Any
    help: str
    kind: str
    production_required: bool = False
    shown_default: str | None = None


REGISTRY: dict[str, Variable] = {}

_TRUE = {"1", "true", "yes", "on", "ja"}
_FALSE = {"0", "false", "no", "off", "nee", ""}


def _to_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected a boolean (true/false), got {raw!r}")


def _to_int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from exc


def _to_list(name: str, raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


_CASTS: dict[str, Callable[[str, str], Any]] = {
    "str": lambda name, raw: raw,
    "bool": _to_bool,
    "int": _to_int,
    "list": _to_list,
}


def declare(
    name: str,
    *,
    default: Any,
    help: str,  # noqa: A002 - the natural word here
    kind: str = "str",
    production_required: bool = False,
    shown_default: str | None = None,
) -> Any:
    """Declare a variable and return its value from the environment (or the default)."""
    if kind not in _CASTS:
        raise ValueError(f"unknown kind {kind!r} for {name}")
    REGISTRY[name] = Variable(name, default, help, kind, production_required, shown_default)
    raw = os.environ.get(name)
    if raw is None:
        return default
    return _CASTS[kind](name, raw)


def is_set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def render_markdown() -> str:
    """The configuration reference as Markdown (``docs/config.md``)."""
    lines = [
        "# Configuration reference",
        "",
        "Smaakmaker reads its configuration only from environment variables. This page is",
        "generated from `src/smaakmaker/conf/env.py` by `smaakmaker configdocs`; a test fails when",
        "it is out of date. Defaults are safe for development; the production profile",
        "(`SMAAKMAKER_ENV=production`) refuses to start without the variables marked *required in",
        "production*.",
        "",
        "| variable | type | default | required in production | description |",
        "|---|---|---|---|---|",
    ]
    for var in REGISTRY.values():
        default = var.shown_default if var.shown_default is not None else var.default
        if isinstance(default, list):
            default = ",".join(default)
        default_text = f"`{default}`" if default not in ("", None) else "(empty)"
        required = "yes" if var.production_required else ""
        lines.append(f"| `{var.name}` | {var.kind} | {default_text} | {required} | {var.help} |")
    lines.append("")
    return "\n".join(lines)
