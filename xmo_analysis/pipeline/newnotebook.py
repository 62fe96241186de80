"""``xmo new-notebook NAME``: a new analysis notebook, registered so that the next cycle runs it.

The notebook has what every report notebook has: a parameters cell (the runner injects
``cycle``, ``project_dir`` and ``output_dir``), a setup cell that opens the cycle (the shared
snapshot when the runner runs it), the title, and a first section to replace, each cell one
call into the package. It is added to ``missions:`` in ``params/xmo.yaml`` (the mission
registry), so the next ``xmo run`` executes, renders, publishes and lists it.

The registry is edited as text (one line appended to the ``missions:`` list) so that the
comments and layout of the analyst's ``xmo.yaml`` are kept; PyYAML would drop them.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from xmo_analysis.core.exceptions import ConfigError, Problem
from xmo_analysis.core.registry import DEFAULT_MISSIONS

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


def notebook(name: str, title: str) -> nbformat.NotebookNode:
    """The template: orientation, parameters, setup, title, a first section."""
    cells = [
        new_markdown_cell(f"*Notebook of the report \u201c{title}\u201d: run all cells. Papermill replaces the parameters "
                          "below each cycle; keep each cell one call into the package.*", metadata={"tags": ["notebook-only"]}),
        new_code_cell('# Parameters: papermill replaces these values each cycle; cycle None = the latest cycle of params.\n'
                      'cycle = None\nproject_dir = ".."\noutput_dir = None', metadata={"tags": ["parameters"]}),
        new_code_cell("from xmo_analysis.missions import findings as f\n"
                      "from xmo_analysis.missions.common import open_cycle, title\n\n"
                      "data = open_cycle(project_dir, cycle)", metadata={"tags": ["setup"]}),
        new_code_cell(f'title(data, "{name}")'),
        new_markdown_cell("## The experience gap\n\nReplace this section with your own analysis: a function of the "
                          "package (or of a module of yours, with its tests) that returns a Section."),
        new_code_cell("f.gaps_section(data)"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "xmo-analysis", "display_name": "Python (xmo-analysis)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"{name.replace('_', '-')}-{k:02d}"
    return nb


def create(project: Path, name: str, title: str | None = None) -> tuple[Path, Path]:
    """Write ``notebooks/<name>.ipynb`` and register it in ``params/xmo.yaml``; return both paths."""
    project = Path(project)
    title = (title or name.replace("_", " ").replace("-", " ").strip().capitalize()).strip()
    xmo = project / "params" / "xmo.yaml"
    path = project / "notebooks" / f"{name}.ipynb"
    problems = []
    if not NAME.match(name):
        problems.append(Problem(file=str(path), column="NAME", value=name,
                                rule="a notebook name is 1-48 lower-case letters, digits, '_' or '-', starting with a "
                                     "letter or digit (it becomes the report's file name)"))
    if path.exists():
        problems.append(Problem(file=str(path), rule="already exists (choose another name, or edit it)"))
    text = xmo.read_text(encoding="utf-8")
    if re.search(rf"(?m)^\s*-\s*\{{\s*id:\s*{re.escape(name)}\s*,", text):
        problems.append(Problem(file=str(xmo), column="missions", value=name, rule="a mission of this id is registered"))
    if any(ch in title for ch in "{}[]#,\n"):
        problems.append(Problem(file=str(xmo), column="title", value=title,
                                rule="a title without braces, brackets, '#', commas or line breaks"))
    if problems:
        raise ConfigError(problems, title=f"cannot create notebook {name!r}")
    entry = f"  - {{id: {name}, notebook: {name}.ipynb, title: {title}}}\n"
    block = re.search(r"(?m)^missions:[ \t]*\n((?:[ \t]+-.*\n|[ \t]*#.*\n)*)", text)
    if block:
        items = block.group(1)
        # after the last list item of the block (trailing comments stay where they are)
        last = [m.end() for m in re.finditer(r"(?m)^[ \t]+-.*\n", items)]
        at = block.start(1) + (last[-1] if last else 0)
        text = text[:at] + entry + text[at:]
    else:  # no registry yet: the default missions, then this one
        defaults = "".join(f"  - {{id: {m.id}, notebook: {m.notebook}, title: {m.title}}}\n" for m in DEFAULT_MISSIONS)
        text = text.rstrip("\n") + "\n# The notebooks of each cycle, in order (xmo new-notebook added the last).\nmissions:\n" \
            + defaults + entry
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(name, title), path)
    xmo.write_text(text, encoding="utf-8")
    return path, xmo
