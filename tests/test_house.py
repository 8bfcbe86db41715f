"""The house keeps its shape (DESIGN §2): shared code names no bounded context,
so a new context is a domain package, a projections package, an api package
and one registry line."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Everything that is not some context's own package. (domain/registry is a
# context too: its catalogue of licence items is its own vocabulary, DESIGN §3.)
SHARED = (
    "domain/shared",
    "projections/*.py",
    "api/*.py",
    "api/http",
    "api/host",
    "api/bench",
)
REGISTRY_LINE = ROOT / "api/host/contexts.py"  # the one place that lists them
CONTEXTS = ("licensing",)
NAMES = re.compile(r"licens|licence|Licen", re.IGNORECASE)


def shared_modules() -> Iterator[Path]:
    for pattern in SHARED:
        if pattern.endswith(".py"):
            yield from sorted(ROOT.glob(pattern))
        else:
            yield from sorted((ROOT / pattern).rglob("*.py"))


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (prose may speak of any context)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ):
            body = node.body
            if body and isinstance(body[0], ast.Expr):
                found.add(id(body[0].value))
    return found


def mentions(path: Path) -> list[str]:
    """Imports of a context's modules, and identifiers or string values naming
    one (docstrings and comments excepted)."""
    tree = ast.parse(path.read_text("utf-8"))
    skip = docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            found += [
                f"{node.lineno}: imports {m}"
                for m in modules
                if any(f".{c}" in f".{m}" for c in CONTEXTS)
            ]
        elif isinstance(node, ast.Name | ast.Attribute | ast.arg):
            name = (
                node.id
                if isinstance(node, ast.Name)
                else node.attr
                if isinstance(node, ast.Attribute)
                else node.arg
            )
            if NAMES.search(name):
                found.append(f"{node.lineno}: {name}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and NAMES.search(node.value)
        ):
            found.append(f"{node.lineno}: {node.value[:60]!r}")
        elif isinstance(node, ast.FunctionDef | ast.ClassDef) and NAMES.search(
            node.name
        ):
            found.append(f"{node.lineno}: def {node.name}")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in shared_modules() if p != REGISTRY_LINE],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_shared_module_names_a_context(path: Path) -> None:
    assert mentions(path) == []


def test_the_registry_lists_every_context_package() -> None:
    from api.host.contexts import registered

    names = {c.name for c in registered()}
    packages = {
        p.parent.name
        for p in (ROOT / "api").glob("*/__init__.py")
        if p.parent.name not in {"http", "host", "bench"}
    }
    assert names == packages


def test_a_finding_is_reported_with_its_line(tmp_path: Path) -> None:
    """The checker itself can fail: an import and a name are both caught."""
    module = tmp_path / "m.py"
    module.write_text(
        '"""Docstrings may say licensing."""\n'
        "from domain.licensing.service import Licensing\n"
        "x = Licensing\n"
        "# comments may say licence\n"
    )
    assert mentions(module) == [
        "2: imports domain.licensing.service",
        "3: Licensing",
    ]


def router_modules() -> set[str]:
    """Modules of api/ that define a router (`router = APIRouter(…)`)."""
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "api").rglob("*.py")
        if re.search(r"^router = APIRouter\(", p.read_text("utf-8"), re.M)
    }


def test_routers_take_nothing_from_a_sibling_router() -> None:
    routers = router_modules()
    assert len(routers) >= 8  # the check sees them
    found = []
    for module in sorted(routers):
        path = ROOT / (module.replace(".", "/") + ".py")
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            imported = node.module if isinstance(node, ast.ImportFrom) else None
            sibling = imported in routers - {module} and (
                imported.rpartition(".")[0] == module.rpartition(".")[0]
            )
            if sibling:
                found.append(f"{module} imports {imported}")
    assert found == []
