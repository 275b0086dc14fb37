"""The package's architecture rules, read from the source itself.

- No module imports a private name (leading underscore) of another module, neither as
  ``from x import _y`` nor as ``x._y`` on an imported module: what is shared is public.
- The core (formats, layout, model, rules, engine, values, labels) imports no I/O library, directly
  or through another xlreport module, so it can run anywhere (the add-in, a notebook, a worker).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xlreport"

CORE = ("formats", "layout", "model", "rules", "engine", "values", "labels")

# Top-level names of libraries that read or write files, documents, processes or the network.
IO_LIBRARIES = frozenset({
    "openpyxl", "python_calamine", "xlwings", "docx", "pdfplumber", "pdfminer", "pypdf", "fitz", "bs4",
    "lxml", "html5lib", "pandas", "polars", "requests", "urllib", "http", "socket", "zipfile", "tarfile",
    "gzip", "xml", "csv", "sqlite3", "subprocess", "shutil", "tempfile", "glob", "pathlib", "io",
})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    if node.level > 1:
        package = package[:len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _is_module(name: str) -> bool:
    """Whether ``name`` is an importable module: one of ours by file, any other by its finder."""
    if name.split(".")[0] == "xlreport":
        base = ROOT.joinpath(*name.split("."))
        return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def private_imports(path: Path, text: str | None = None) -> list[str]:
    """Every place ``path`` (or ``text`` standing at ``path``) reaches a private name of another
    module, as "file:line what"."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text, str(path))
    where = path.relative_to(ROOT)
    found = []
    modules: dict[str, str] = {}   # local name -> module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(path, node)
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{where}:{node.lineno} from {source} import {alias.name}")
                if _is_module(f"{source}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_private(alias.name.rpartition(".")[2]):
                    found.append(f"{where}:{node.lineno} import {alias.name}")
                local = alias.asname or alias.name.split(".")[0]
                modules[local] = alias.name if alias.asname else local
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            chain, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in modules:
                found.append(f"{where}:{node.lineno} {value.id}.{'.'.join(reversed(chain))}")
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_found():
    assert len(SOURCES) > 30 and all(f"{name}.py" in {p.name for p in SOURCES} for name in CORE)


def test_no_module_imports_a_private_name_of_another():
    found = [hit for path in SOURCES for hit in private_imports(path)]
    assert found == [], "private names used across modules:\n" + "\n".join(found)


def test_the_private_import_finder_sees_each_form():
    # The finder itself, on a module that does each forbidden thing once and each allowed thing once.
    fake = ROOT / "xlreport" / "readers" / "probe.py"   # not written: only where the text pretends to be
    fake_text = ("from xlreport.readers.ooxml import _x\n"
                 "from .ooxml import _y\n"
                 "from xlreport.readers import ooxml\n"
                 "import xlreport.readers.ooxml as ox\n"
                 "import xlreport.readers.ooxml\n"
                 "from xlreport.formats import cell_key, __doc__\n"
                 "ooxml._z, ox._w, xlreport.readers.ooxml._v, ooxml.public, ooxml.__name__\n"
                 "def f(self): return self._mine\n")
    found = [hit.split(" ", 1)[1] for hit in private_imports(fake, fake_text)]
    assert sorted(found) == sorted([
        "from xlreport.readers.ooxml import _x", "from xlreport.readers.ooxml import _y",
        "ooxml._z", "ox._w", "xlreport.readers.ooxml._v"])


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (top level or inside a function), as (line, absolute name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append((node.lineno, _resolve(path, node)))
    return names


@pytest.mark.parametrize("name", CORE)
def test_core_module_imports_no_io_library(name):
    path = PACKAGE / f"{name}.py"
    bad = []
    for line, module in _imports(path):
        top = module.split(".")[0]
        if top in IO_LIBRARIES:
            bad.append(f"{name}.py:{line} imports {module}")
        elif top == "xlreport" and module not in {"xlreport"} | {f"xlreport.{c}" for c in CORE}:
            bad.append(f"{name}.py:{line} imports {module}, which is not core")
    assert bad == []


def test_importing_the_core_loads_no_io_library():
    # In a bare interpreter (no site-packages, nothing preloaded), import every core module and see
    # what came with it: this also catches an I/O library pulled in through xlreport/__init__.py.
    core = ", ".join(f"xlreport.{name}" for name in CORE)
    code = ("import sys; before = set(sys.modules); sys.path.insert(0, sys.argv[1]); "
            f"import {core}; print(' '.join(sorted(set(sys.modules) - before)))")
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(ROOT)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    loaded = run.stdout.split()
    assert {f"xlreport.{name}" for name in CORE} <= set(loaded)
    assert sorted(m for m in loaded if m.split(".")[0] in IO_LIBRARIES) == []
