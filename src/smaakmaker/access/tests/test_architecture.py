# SPDX-License-Identifier: EUPL-1.2
"""The access domain stands beside the others: it is used by all and imports none of them.

Every non-test module of ``smaakmaker.access`` is parsed (no import, so nothing is hidden by what
happens to be loaded already) and every ``import`` and ``from … import`` is checked, also those inside
functions, methods and ``if TYPE_CHECKING`` blocks. Shared code lives in ``smaakmaker.common``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ACCESS_DIR = Path(__file__).resolve().parents[1]
FORBIDDEN = ("areas", "cases", "plans", "monitoring", "web")


def _modules() -> list[Path]:
    return sorted(
        path for path in ACCESS_DIR.rglob("*.py") if "tests" not in path.relative_to(ACCESS_DIR).parts
    )


def _package_of(path: Path) -> list[str]:
    """``access/api/views.py`` (or ``access/api/__init__.py``) → ``["smaakmaker", "access", "api"]``."""
    return ["smaakmaker", "access", *path.relative_to(ACCESS_DIR).parts[:-1]]


def imported_modules(path: Path, package: list[str]) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, wherever it stands; ``package`` is the
    file's package, to resolve relative imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from smaakmaker import cases`` imports the package too
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _forbidden(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 2 and parts[0] == "smaakmaker" and parts[1] in FORBIDDEN


def test_the_modules_of_access_are_found():
    names = {path.relative_to(ACCESS_DIR).as_posix() for path in _modules()}
    assert {"services.py", "policies.py", "covenant_views.py", "api/views.py"} <= names
    assert not any(name.startswith("tests/") for name in names)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: path.relative_to(ACCESS_DIR).as_posix())
def test_access_imports_no_other_domain(path):
    imports = imported_modules(path, _package_of(path))
    wrong = sorted({f"line {line}: {module}" for line, module in imports if _forbidden(module)})
    assert not wrong, f"{path.relative_to(ACCESS_DIR)} imports another domain: {wrong}"


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    """The check itself: nested, relative and package imports are all caught; allowed ones are not."""
    module = tmp_path / "example.py"
    module.write_text(
        "import smaakmaker.common.codes\n"
        "from smaakmaker.access import audit\n"
        "from . import policies\n"
        "def f():\n"
        "    from smaakmaker.areas.sources.codes import area_code\n"
        "    import smaakmaker.cases.models\n"
        "class C:\n"
        "    def m(self):\n"
        "        from smaakmaker import plans\n"
        "        from ...monitoring import effects\n"
        "if True:\n"
        "    import smaakmaker.web.views as web_views\n"
    )
    imports = imported_modules(module, ["smaakmaker", "access", "api"])
    caught = {line for line, name in imports if _forbidden(name)}
    assert caught == {5, 6, 9, 10, 12}
    assert "smaakmaker.monitoring.effects" in {name for _line, name in imports}
