"""The direction of dependencies (docs/architecture.md), checked on the source.

Imports are read with ast wherever they stand, module level or inside a function, so a new
cycle, an import that points up a layer, or an import tucked into a function to dodge a
cycle fails here before it can land.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("approvals", "issuers", "worktime", "config")

# approvals, bottom to top: a module may import its own layer and the layers below it.
APPROVAL_LAYERS = [
    {
        "approvals.models",
        "approvals.uploads",
        "approvals.locks",
        "approvals.apps",
        "approvals.statutory_limits",
        "approvals.signing",
    },
    {
        "approvals.access",
        "approvals.search",
        "approvals.exports",
        "approvals.dashboard",
        "approvals.charts",
        "approvals.audit",
        "approvals.documents",
        "approvals.notifications",
        "approvals.public_access",
        "approvals.due_cells",
    },
    {"approvals.tasks"},
    {"approvals.recording"},
    {"approvals.clocks"},
    {
        "approvals.actions",
        "approvals.changes",
        "approvals.assignments",
        "approvals.forms",
        "approvals.revocation",
        "approvals.readiness",
        "approvals.readiness_forms",
    },
    {"approvals.task_views", "approvals.readiness_task_views"},
    {"approvals.flows"},
    {"approvals.procedure", "approvals.task_lists"},
    {
        "approvals.structure_views",
        "approvals.clock_views",
        "approvals.team_views",
        "approvals.notice_views",
        "approvals.context_processors",
        "approvals.views",
        "approvals.change_views",
        "approvals.register_views",
        "approvals.public_views",
        "approvals.document_views",
        "approvals.authorisation_views",
        "approvals.templatetags",
        "approvals.verification_views",
        "approvals.export_views",
        "approvals.dashboard_views",
        "approvals.viewsets",
        "approvals.middleware",
        "approvals.admin",
        "approvals.demo",
        "approvals.management",
    },
]


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_of(path)] = path
    return found


MODULES = project_modules()


def resolve(name: str) -> str | None:
    """The project module an imported name lives in, if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                stem = f"{base}.{node.module}" if node.module else base
            else:
                stem = node.module
            names = [f"{stem}.{alias.name}" for alias in node.names] + [stem]
        else:
            continue
        targets |= {found for name in names if (found := resolve(name)) not in (None, module)}
    return targets


GRAPH = {module: imports(module) for module in MODULES}


def layer_of(module: str) -> int | None:
    for number, layer in enumerate(APPROVAL_LAYERS):
        if any(module == name or module.startswith(name + ".") for name in layer):
            return number
    return None


def test_no_import_cycles():
    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for target in GRAPH[start]:
            if target == goal:
                return True
            if target not in seen:
                seen.add(target)
                if reaches(target, goal, seen):
                    return True
        return False

    cyclic = sorted(module for module in GRAPH if reaches(module, module, set()))
    assert cyclic == []


def test_worktime_knows_nothing_of_the_other_apps():
    upward = {m: sorted(t for t in GRAPH[m] if not t.startswith("worktime")) for m in GRAPH}
    assert {m: t for m, t in upward.items() if m.startswith("worktime") and t} == {}


def test_issuers_knows_nothing_of_approvals():
    upward = {m: sorted(t for t in GRAPH[m] if t.startswith("approvals")) for m in GRAPH}
    assert {m: t for m, t in upward.items() if m.startswith("issuers") and t} == {}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("approvals")))
def test_approvals_modules_import_only_their_layer_and_below(module):
    own = layer_of(module)
    if own is None:  # the package's __init__
        return
    above = sorted(
        target
        for target in GRAPH[module]
        if target.startswith("approvals") and (layer_of(target) or 0) > own
    )
    assert above == []


def test_every_approvals_module_has_a_layer():
    unplaced = sorted(m for m in MODULES if m.startswith("approvals.") and layer_of(m) is None)
    assert unplaced == []


def test_no_import_inside_a_function():
    """An import inside a function is the usual way to dodge a cycle: the layering is wrong."""
    tucked = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                tucked += [
                    f"{module}:{node.lineno}"
                    for node in ast.walk(function)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                ]
    assert tucked == []
