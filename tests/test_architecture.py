"""The import rules: the engine is NumPy and the standard library, figures add Plotly, and nothing in
the weightviz package imports Streamlit (only app.py, the ui/ package beside it, and pages/ do); pages
use ui/ and weightviz, ui/ uses weightviz, never the other way; every session key lives in ui/state.py."""

import ast
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "weightviz"


def top_level_imports(path):
    tree = ast.parse(path.read_text())
    for node in tree.body:  # module level only: lazy imports inside functions are allowed
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_engine_imports_flow_one_way(path):
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    if "figures" in path.relative_to(PACKAGE).parts:
        allowed |= {"plotly"}
    assert set(top_level_imports(path)) <= allowed


def test_no_module_of_the_package_imports_streamlit_even_lazily():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("streamlit") for a in node.names), path
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("streamlit"), path


def test_no_unsafe_loading_anywhere():
    for path in [*ROOT.glob("*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), *PACKAGE.rglob("*.py")]:
        text = path.read_text()
        unsafe = ["allow_pickle" + "=True", "pickle" + ".load"]  # split so a grep for them finds no false alarm here
        assert not any(u in text for u in unsafe), path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), path


APP_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
SESSION_METHODS = {"get", "pop", "setdefault", "__contains__"}


def literal_session_keys(tree):
    """String literals used as session keys: ``st.session_state["k"]``, ``.get("k")``/``.pop("k")`` on it,
    ``"k" in st.session_state``, and ``key="k"`` on any call (a widget's key is a session key)."""

    def is_session(node):
        return isinstance(node, ast.Attribute) and node.attr == "session_state"

    def literal(node):
        return isinstance(node, ast.Constant) and isinstance(node.value, str)

    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_session(node.value) and literal(node.slice):
            yield node.slice.value
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in SESSION_METHODS and is_session(func.value):
                yield from (a.value for a in node.args[:1] if literal(a))
            yield from (k.value.value for k in node.keywords if k.arg == "key" and literal(k.value))
        if isinstance(node, ast.Compare) and any(is_session(c) for c in node.comparators) and literal(node.left):
            yield node.left.value


@pytest.mark.parametrize("path", [p for p in APP_FILES if p.name != "state.py"], ids=lambda p: p.name)
def test_no_literal_session_keys_outside_ui_state(path):
    assert list(literal_session_keys(ast.parse(path.read_text()))) == [], path


def test_the_literal_key_check_finds_each_form():
    code = 'st.session_state["a"]\nst.session_state.get("b")\n"c" in st.session_state\nst.button("x", key="d")\n'
    assert list(literal_session_keys(ast.parse(code))) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_imports_flow_pages_to_ui_to_weightviz(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert "pages" not in imported  # nothing imports a page
    if path.parent.name == "ui":
        assert "ui" not in imported, "ui/ modules import each other relatively (from . import state)"
    if path.parent.name == "pages":
        assert "numpy" not in imported, "pages hold no NumPy: move the logic into ui/ or weightviz/"


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_stay_thin(path):
    assert len(path.read_text().splitlines()) <= 85, f"{path.name}: move logic into ui/ or weightviz/"


def test_every_test_the_readme_names_exists():
    """The README's "What holds each claim" table names tests by file::function: each must be defined there."""
    import re

    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", readme))
    assert len(named) > 50
    missing = []
    for path, function in named:
        source = ROOT / path
        if not source.exists() or (function and not re.search(rf"^def {function}\(", source.read_text(), re.M)):
            missing.append(f"{path}::{function}")
    assert missing == []


def test_the_readme_lists_every_limit_with_its_value():
    from weightviz import limits

    assert limits.table() in (ROOT / "README.md").read_text()
