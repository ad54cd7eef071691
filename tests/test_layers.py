"""The package is layered: a module imports only from its own layer or the layers below it, so
results flow store -> analysis -> report -> cli with no step back and no package cycle.

Read from the source with ``ast`` (imports inside functions count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import regscale

LAYERS = [
    {"errors", "config_io", "threads"},
    {"fits"},
    {"automata"},
    {"sources"},
    {"models"},
    {"store", "locks"},
    {"training"},
    {"experiments"},
    {"analysis"},
    {"report"},
    {"cli"},
    {"__init__", "__main__"},
]
"""Bottom to top, as in docs/design.md."""

PACKAGE = Path(regscale.__file__).parent


def layer_of(unit: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if unit in names)


def unit_of(module: str) -> str:
    """``regscale.sources.catalog`` -> ``sources``; ``regscale.store`` -> ``store``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m == "regscale" or m.startswith("regscale.")}


def modules() -> dict[str, Path]:
    return {".".join(("regscale", *p.relative_to(PACKAGE).with_suffix("").parts)): p
            for p in PACKAGE.rglob("*.py")}


def test_every_module_belongs_to_a_layer() -> None:
    for module in modules():
        layer_of(unit_of(module.removesuffix(".__init__")))


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = []
    for module, path in modules().items():
        mine = layer_of(unit_of(module.removesuffix(".__init__")))
        for imported in imports(path):
            if imported == "regscale":  # the package itself: its version, its location
                continue
            if layer_of(unit_of(imported)) > mine:
                upward.append(f"{module} imports {imported}")
    assert not upward, "\n".join(upward)


def test_no_cycle_between_packages() -> None:
    edges: dict[str, set[str]] = {}
    for module, path in modules().items():
        unit = unit_of(module.removesuffix(".__init__"))
        for imported in imports(path):
            other = unit_of(imported)
            if other != unit and imported != "regscale":
                edges.setdefault(unit, set()).add(other)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = [unit for unit in edges if reaches(unit, unit, set())]
    assert not cycles, f"packages on an import cycle: {cycles}"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule is not vacuous: a fits module importing the CLI is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from regscale.cli.app import cli\n")
    assert layer_of(unit_of(next(iter(imports(bad))))) > layer_of("fits")
