"""The import rules of STYLE.md: the engine is NumPy and the standard library; no streamlit below ui.py."""

import ast
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "weightviz"
MAY_IMPORT_STREAMLIT = {"ui.py"}
MAY_IMPORT_PLOTLY = {"ui.py", "figures.py"}


def top_level_imports(path):
    tree = ast.parse(path.read_text())
    for node in tree.body:  # module level only: lazy imports inside functions are allowed
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_engine_imports_flow_one_way(path):
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    if path.name in MAY_IMPORT_PLOTLY:
        allowed |= {"plotly", "pandas"}
    if path.name in MAY_IMPORT_STREAMLIT:
        allowed |= {"streamlit"}
    assert set(top_level_imports(path)) <= allowed


def test_no_unsafe_loading_anywhere():
    for path in [*ROOT.glob("*.py"), *ROOT.glob("pages/*.py"), *PACKAGE.glob("*.py")]:
        text = path.read_text()
        assert "allow_pickle=True" not in text and "pickle.load" not in text, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), path
