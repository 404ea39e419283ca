"""The package layout read from the code itself: no import cycles, a small root, short files and
functions, and a README whose map of the code names exactly the folders there are."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("matcher", "api")
MAX_ROOT_FILES = 12
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the project's packages by dotted name."""
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports, at the top or inside a function: `from a.b import c`
    names a.b.c when that is a module, else a.b."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(path, set(known)) - {name} for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node], _ = 2, path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_passes_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_are_resolved_to_modules() -> None:
    edges = graph()
    assert "matcher.catalogue.ingest" in edges["matcher.engine"]
    assert "matcher.catalogue.erasure" in edges["matcher.engine"]  # from matcher.catalogue import
    assert "matcher.encoders.models" in edges["matcher.encoders.model_process"]  # in a function


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()) or [])


def test_no_room_below_the_engine_imports_it() -> None:
    clients = (
        "matcher.cli",
        "matcher.evaluation",
        "matcher.coach.workflow",
        "matcher.coach.training",
    )
    for name, imported in graph().items():
        if name.startswith(clients) or name.startswith("api"):
            continue
        assert "matcher.engine" not in imported, f"{name} imports the engine"


def test_the_root_of_the_package_keeps_only_the_engines_face() -> None:
    files = sorted(p.name for p in (ROOT / "matcher").glob("*.py"))
    assert len(files) <= MAX_ROOT_FILES, files


def test_files_are_short() -> None:
    long = {}
    for path in modules().values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_FILE_LINES:
            long[str(path.relative_to(ROOT))] = lines
    assert not long


def test_functions_are_short() -> None:
    long = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.name} ({lines} lines)")
    assert not long


def readme_map() -> set[str]:
    """The folders the README's map of the code names (`matcher/x/` at a line's start)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Map of the code", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\s*[-|]?\s*`(matcher/[a-z_]+/)`", section, flags=re.M))


def test_the_readme_map_names_every_folder_and_no_other() -> None:
    folders = {
        f"matcher/{p.name}/"
        for p in (ROOT / "matcher").iterdir()
        if p.is_dir() and not p.name.startswith((".", "__"))
    }
    assert readme_map() == folders
