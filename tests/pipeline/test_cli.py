"""The xmo CLI: help with examples, one-line errors, documented exit codes."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xmo_analysis.pipeline.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["demo", "validate", "run", "list"])
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "xmo " + command in result.output


def test_validate_ok_and_list_empty(demo_project):
    ok = runner.invoke(app, ["validate", "--cycle", "2026-Q4", "--project", str(demo_project)])
    assert ok.exit_code == 0, ok.output
    assert "2026-Q4: valid" in ok.output
    listed = runner.invoke(app, ["list", "--project", str(demo_project)])
    assert listed.exit_code == 0 and "No reports published yet" in listed.output


def test_invalid_input_exit_2_without_traceback(project):
    path = project / "data/demo/responses.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("csat")] = "9"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["validate", "--cycle", "2026-Q4", "--project", str(project)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "row 2, column 'csat'" in result.output and "1 to 5" in result.output


def test_bad_cycle_id_exit_2(demo_project):
    result = runner.invoke(app, ["run", "--cycle", "../../etc", "--project", str(demo_project)])
    assert result.exit_code == 2 and "cycle id" in result.output


def test_demo_command_writes_data(tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), "--scale", "0.02", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "responses.csv").exists()
    bad = runner.invoke(app, ["demo", "--out", str(tmp_path / "e"), "--scale", "0"])
    assert bad.exit_code == 2


def test_version():
    from xmo_analysis import __version__
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"xmo-analysis {__version__}"


@pytest.mark.parametrize("command", [["run", "--cycle", "2026-Q4"], ["validate", "--cycle", "2026-Q4"], ["list"]])
def test_a_folder_that_is_not_a_project_says_so_once(tmp_path, command):
    result = runner.invoke(app, [*command, "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not an xmo project" in result.output and "--project" in result.output
    assert result.output.count("error:") == 1 and "every contract needs a source" not in result.output


def test_validate_prints_what_loading_did_and_what_is_absent(project):
    """`xmo validate` shows each source's load report and names the contracts params leave out."""
    import re
    xmo = project / "params" / "xmo.yaml"
    text = re.sub(r"(?m)^  backlog:\n(?:    .*\n)+", "", xmo.read_text(encoding="utf-8"))
    xmo.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", "--cycle", "2026-Q4", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "responses: " in result.output and "rows read" in result.output and "rows kept" in result.output
    assert "backlog: no source in params/xmo.yaml" in result.output


def test_the_project_is_found_from_a_folder_inside_it(demo_project, monkeypatch):
    monkeypatch.chdir(demo_project / "notebooks")
    res = runner.invoke(app, ["validate", "--cycle", "2026-Q4"])
    assert res.exit_code == 0 and "2026-Q4: valid" in res.output, res.output


def test_new_notebook_is_registered_and_runs(project):
    """`xmo new-notebook` writes a notebook the runner accepts and registers it (comments kept)."""
    import papermill as pm
    import yaml

    from xmo_analysis.core.params import load_params
    from xmo_analysis.pipeline.runner import check_parameters
    xmo = project / "params" / "xmo.yaml"
    comments = [ln for ln in xmo.read_text().splitlines() if ln.lstrip().startswith("#")]
    res = runner.invoke(app, ["new-notebook", "4_channels", "--title", "Channel assessment", "--project", str(project)])
    assert res.exit_code == 0, res.output
    path = project / "notebooks" / "4_channels.ipynb"
    params = load_params(project / "params")
    assert [m.id for m in params.missions][-1] == "4_channels"
    assert params.missions[-1].title == "Channel assessment" and params.missions[-1].notebook == "4_channels.ipynb"
    assert [ln for ln in xmo.read_text().splitlines() if ln.lstrip().startswith("#")] == comments
    assert yaml.safe_load(xmo.read_text())["missions"][-1]["id"] == "4_channels"
    injected = {"cycle": "2026-Q4", "project_dir": str(project), "output_dir": str(project / "out")}
    check_parameters(path, injected)  # the parameters the runner injects are the notebook's
    out = project / "out" / "4_channels.ipynb"
    out.parent.mkdir()
    pm.execute_notebook(str(path), str(out), parameters=injected, kernel_name="xmo-analysis", cwd=str(path.parent),
                        progress_bar=False)
    import nbformat
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "Channel assessment" in html and "xmo-table" in html
    again = runner.invoke(app, ["new-notebook", "4_channels", "--project", str(project)])
    assert again.exit_code == 2 and "already exists" in again.output and "registered" in again.output
    bad = runner.invoke(app, ["new-notebook", "../evil", "--project", str(project)])
    assert bad.exit_code == 2 and "lower-case" in bad.output


@pytest.mark.parametrize("args, code", [(["--version"], 0), (["run", "--cycle", "not a cycle"], 2), ([], 2)])
def test_the_command_exits_with_its_status_after_the_atexit_handlers(args, code, tmp_path):
    """``xmo`` ends with os._exit once done (no teardown of the analysis stack): the exit status
    is the command's, its output is all there, and atexit handlers (a temporary folder's
    cleanup, logging) still ran, after the command's last output."""
    import subprocess
    import sys
    script = ("import atexit, sys, tempfile, pathlib\n"
              "keep = tempfile.TemporaryDirectory()\n"
              f"pathlib.Path({str(tmp_path / 'where')!r}).write_text(keep.name)\n"
              "atexit.register(lambda: print('atexit ran', flush=True))\n"
              "from xmo_analysis.pipeline.cli import console\n"
              f"sys.argv = ['xmo', *{args!r}]\n"
              "console()\n"
              "print('never reached')\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout.rstrip().endswith("atexit ran") and "never reached" not in proc.stdout
    if args == ["--version"]:
        assert proc.stdout.startswith("xmo-analysis ")
    else:
        assert "error" in proc.stderr.lower() or "usage" in proc.stderr.lower()
    import pathlib
    assert not pathlib.Path((tmp_path / "where").read_text()).exists()  # the finalizer removed it
