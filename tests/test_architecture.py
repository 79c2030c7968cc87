"""The import rules: the engine is NumPy and the standard library, figures add Plotly, and nothing in
the weightviz package imports Streamlit (only app.py, ui.py beside it, and pages/ do)."""

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
    for path in [*ROOT.glob("*.py"), *ROOT.glob("pages/*.py"), *PACKAGE.rglob("*.py")]:
        text = path.read_text()
        unsafe = ["allow_pickle" + "=True", "pickle" + ".load"]  # split so a grep for them finds no false alarm here
        assert not any(u in text for u in unsafe), path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), path
