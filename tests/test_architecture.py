"""The architecture holds: each wing imports only what docs/architecture.md allows it.

Every module of crisisplan is parsed with `ast`, never imported, and every import is
read, those inside functions included: commands import lazily, so a rule that looked only
at the top of each file would miss most of what the CLI uses. A broken rule is named with
the file and line of the import that breaks it, so the fix starts there.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "crisisplan"


@dataclass(frozen=True)
class Import:
    """One import statement's target, as the module that holds it sees it."""

    module: str  # the importer: crisisplan.cli.after
    path: Path
    line: int
    target: str  # crisisplan.phases.send, jinja2.nodes, sqlite3
    at_import: bool  # runs when the module is imported: not in a function or TYPE_CHECKING

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Reader(ast.NodeVisitor):
    """Collects every import of one module, noting which run when it is imported."""

    def __init__(self, module: str, path: Path) -> None:
        self.module, self.path = module, path
        self.package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self.found: list[Import] = []
        self._lazy = 0  # depth of functions and TYPE_CHECKING blocks around the visit

    def _lazily(self, node: ast.AST) -> None:
        self._lazy += 1
        self.generic_visit(node)
        self._lazy -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _lazily

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._lazy += 1
        for child in node.body:
            self.visit(child)
        self._lazy -= 1
        for child in node.orelse:
            self.visit(child)

    def _add(self, node: ast.stmt, target: str) -> None:
        self.found.append(Import(self.module, self.path, node.lineno, target, self._lazy == 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: from . import x, from ..store import y
            package = self.package.split(".")
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"  # `from crisisplan.templating import memo`
            self._add(node, submodule if submodule in MODULES else base)


def read_imports() -> list[Import]:
    found: list[Import] = []
    for module, path in MODULES.items():
        reader = _Reader(module, path)
        reader.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(reader.found)
    return found


IMPORTS = read_imports()


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _wings(*names: str) -> tuple[str, ...]:
    return tuple(f"crisisplan.{name}" for name in names)


@dataclass(frozen=True)
class Rule:
    """Modules under `importers` (all of crisisplan but `except_in`, if no importers
    are named) import nothing under `forbidden`."""

    id: str
    says: str
    importers: tuple[str, ...]
    forbidden: tuple[str, ...]
    except_in: tuple[str, ...] = ()

    def applies_to(self, module: str) -> bool:
        if self.importers:
            return _within(module, self.importers)
        return _within(module, ("crisisplan",)) and not _within(module, self.except_in)

    def broken_by(self, imports: list[Import]) -> list[str]:
        found = (
            f"{i.where()}: {i.module} imports {i.target}, but {self.says}"
            for i in imports
            if self.applies_to(i.module) and _within(i.target, self.forbidden)
        )
        return list(dict.fromkeys(found))  # `from x import a, b` once, not once a name


CORE = _wings("playbook", "templating", "language")
SHARED = _wings("errors", "clock", "files", "interrupts", "inert_text")

RULES = [
    Rule(
        "cli-no-sql-jinja-yaml",
        "cli/ imports no apsw, jinja2 or yaml (the CLI knows nothing of SQL, Jinja or YAML)",
        _wings("cli"),
        ("apsw", "jinja2", "yaml"),
    ),
    Rule(
        "phases-below-the-terminal",
        "phases/ imports nothing from terminal/, views/ or cli/ (the core knows no terminal)",
        _wings("phases"),
        _wings("terminal", "views", "cli"),
    ),
    Rule(
        "store-knows-no-playbook",
        "store/ imports nothing from playbook/, templating/, language/, phases/, views/, "
        "cli/, terminal/ or mail/ (the store knows nothing of playbooks)",
        _wings("store"),
        (*CORE, *_wings("phases", "views", "cli", "terminal", "mail")),
    ),
    Rule(
        "core-wings-below-phases",
        "playbook/, templating/ and language/ import nothing from cli/, views/, phases/, "
        "store/ or terminal/",
        CORE,
        _wings("cli", "views", "phases", "store", "terminal"),
    ),
    Rule(
        "views-below-cli",
        "views/ imports nothing from cli/ (commands call views, not the other way)",
        _wings("views"),
        _wings("cli"),
    ),
    Rule(
        "terminal-for-cli-and-views",
        "only cli/ and views/ import terminal/",
        (),
        _wings("terminal"),
        except_in=_wings("cli", "views", "terminal"),
    ),
    Rule(
        "shared-modules-import-no-wing",
        "errors, clock, files, interrupts and inert_text import no wing (every wing may use them)",
        SHARED,
        _wings("cli", "views", "phases", "playbook", "templating", "language", "store", "mail"),
    ),
    Rule(
        "terminal-knows-no-core",
        "terminal/ imports nothing from cli/, views/, phases/, store/ or the core wings "
        "(it asks and prints; it decides nothing)",
        _wings("terminal"),
        (*CORE, *_wings("cli", "views", "phases", "store", "mail")),
    ),
    Rule(
        "no-terminal-libraries-below-views",
        "phases/, store/, mail/ and the core wings import no typer, click or rich (only the "
        "CLI and its views talk to a terminal)",
        (*CORE, *_wings("phases", "store", "mail")),
        ("typer", "click", "rich"),
    ),
    Rule(
        "psycopg-only-in-the-postgresql-store",
        "only store/postgres*.py import psycopg (a local log, and every command that never "
        "names a postgresql:// URL, must not load the driver)",
        (),
        ("psycopg",),
        except_in=_wings("store.postgres", "store.postgres_errors", "store.postgres_runner"),
    ),
    Rule(
        "ctypes-only-for-libpq",
        "only store/libpq.py calls C through ctypes (the light, read-only PostgreSQL "
        "connection; everything else goes through a library that checks its calls)",
        (),
        ("ctypes",),
        except_in=_wings("store.libpq"),
    ),
    Rule(
        "mail-knows-only-mail",
        "mail/ imports nothing from cli/, views/, phases/, store/, terminal/ or the core wings "
        "(it sends what it is given)",
        _wings("mail"),
        (*CORE, *_wings("cli", "views", "phases", "store", "terminal")),
    ),
    Rule(
        "sqlite-through-apsw-in-the-store",
        "only store/ talks to SQLite, and through apsw, never Python's sqlite3 (apsw bundles "
        "an SQLite past the WAL-reset fix, and two SQLite libraries in one process do not "
        "see each other's locks)",
        (),
        ("sqlite3", "apsw"),
        except_in=_wings("store"),
    ),
    Rule(
        "store-uses-no-stdlib-sqlite3",
        "store/ opens SQLite through apsw, never Python's sqlite3 (see above)",
        _wings("store"),
        ("sqlite3",),
    ),
]


def test_every_module_and_its_lazy_imports_are_read() -> None:
    """The rules below check something: the modules are found, lazy imports included."""
    assert len(MODULES) > 50
    assert {"crisisplan.cli", "crisisplan.phases.send", "crisisplan.store.sqlite"} <= set(MODULES)
    lazy = [i for i in IMPORTS if i.module.startswith("crisisplan.cli") and not i.at_import]
    assert any(i.target.startswith("crisisplan.phases") for i in lazy)
    assert any(i.target == "jinja2" for i in IMPORTS if i.module == "crisisplan.templating.sandbox")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_each_wing_imports_only_what_the_architecture_allows(rule: Rule) -> None:
    assert any(rule.applies_to(m) for m in MODULES), f"no module is under {rule.id}"

    broken = rule.broken_by(IMPORTS)

    assert not broken, f"rule {rule.id} broken:\n" + "\n".join(broken)


def test_a_rule_names_the_file_and_line_that_breaks_it() -> None:
    """The message a developer gets, on an import made up for this test."""
    bad = Import(
        "crisisplan.phases.send", PACKAGE / "phases" / "send.py", 7, "crisisplan.views.plan", False
    )

    [message] = RULES[1].broken_by([bad])

    assert message == (
        "crisisplan/phases/send.py:7: crisisplan.phases.send imports crisisplan.views.plan, "
        "but phases/ imports nothing from terminal/, views/ or cli/ (the core knows no terminal)"
    )


# --- cycles --------------------------------------------------------------------------------


def cycles(imports: list[Import]) -> list[list[Import]]:
    """One import cycle through each group of crisisplan modules that import each other,
    as the imports that make it: a imports b, b imports c, ..., z imports a."""
    edges: dict[str, dict[str, Import]] = defaultdict(dict)
    for i in imports:
        if i.target in MODULES and i.target != i.module:
            edges[i.module].setdefault(i.target, i)
    found = []
    for group in _groups(edges):
        start = min(group)
        # The shortest way back to `start`, breadth first, staying inside the group.
        came: dict[str, Import] = {}
        queue, seen = [start], {start}
        while queue and start not in came:
            here = queue.pop(0)
            for there, via in sorted(edges[here].items()):
                if there in group and (there not in seen or there == start):
                    came.setdefault(there, via)
                    seen.add(there)
                    queue.append(there)
        path, at = [came[start]], came[start].module
        while at != start:
            path.append(came[at])
            at = came[at].module
        found.append(path[::-1])
    return sorted(found, key=lambda path: path[0].module)


def _groups(edges: dict[str, dict[str, Import]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def described(cycle: list[Import], rule: str) -> str:
    steps = "\n".join(
        f"  {i.where()}: {i.module} imports {i.target}" + ("" if i.at_import else " (lazily)")
        for i in cycle
    )
    return f"{rule}:\n{steps}"


def test_no_modules_import_each_other_when_they_are_imported() -> None:
    rule = "no import cycle among crisisplan modules (module-level imports)"

    found = [described(c, rule) for c in cycles([i for i in IMPORTS if i.at_import])]

    assert not found, "\n".join(found)


def test_no_modules_import_each_other_even_lazily() -> None:
    """Imports inside functions and under TYPE_CHECKING break no circle at run time,
    but a circle through them still means two modules each know the other."""
    rule = "no import cycle among crisisplan modules (function-level imports included)"

    found = [described(c, rule) for c in cycles(IMPORTS)]

    assert not found, "\n".join(found)


def test_a_cycle_is_named_import_by_import() -> None:
    def made_up(module: str, line: int, target: str) -> Import:
        return Import(module, MODULES[module], line, target, True)

    a, b = "crisisplan.templating.memo", "crisisplan.templating.whole_drafts"

    [cycle] = cycles([made_up(a, 3, b), made_up(b, 5, a), made_up(b, 6, "jinja2")])

    assert described(cycle, "no cycle") == (
        "no cycle:\n"
        "  crisisplan/templating/memo.py:3: crisisplan.templating.memo imports "
        "crisisplan.templating.whole_drafts\n"
        "  crisisplan/templating/whole_drafts.py:5: crisisplan.templating.whole_drafts imports "
        "crisisplan.templating.memo"
    )
