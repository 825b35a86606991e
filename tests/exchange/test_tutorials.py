"""The tutorial notebooks under docs/tutorials/ run from top to bottom without an error, on this tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import indicators

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

TUTORIALS = Path(__file__).resolve().parents[2] / "docs" / "tutorials"
SRC = Path(indicators.__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["comparing-countries.ipynb", "de-la-encuesta-al-envio.ipynb"])
def test_tutorial_runs(name: str, tmp_path) -> None:
    notebook = nbformat.read(TUTORIALS / name, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    # the kernel imports the library from the tree under test, whatever the current folder
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)  # raises CellExecutionError, naming the cell, on the first error
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    # every cell that ends with an expression shows a result (a table, a report, a chart)
    shown = [c for c in code if any(o.output_type in ("execute_result", "display_data") for o in c.outputs)]
    assert len(shown) >= len(code) - 3
