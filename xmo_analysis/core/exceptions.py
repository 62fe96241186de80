"""Errors of xmo-analysis: one root, structured fields, a one-line message for the CLI.

Exit codes of the CLI follow the class: :class:`InputError` (invalid data or configuration) is 2,
:class:`ExecutionError` and :class:`RenderError` (a failure while running) are 1,
:class:`LockTimeout` is 3.
"""
from __future__ import annotations

from dataclasses import dataclass


class XmoError(Exception):
    """Root of every error the package raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is and which rule it breaks."""

    file: str
    rule: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.rule}{value}"


class InputError(XmoError):
    """Invalid input data or configuration. Carries every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str, *, title: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(file="", rule=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.title = title or f"{len(self.problems)} problem(s) in the input"
        super().__init__(self.render())

    def render(self, limit: int | None = None) -> str:
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [self.title + ":"] + [f"  - {p}" for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


class ConfigError(InputError):
    """Invalid params, cycle id or notebook parameters."""


class ExecutionError(XmoError):
    """A mission notebook failed while executing."""

    def __init__(self, mission: str, message: str, *, cell: int | None = None, first_line: str | None = None,
                 ename: str | None = None, evalue: str | None = None, kept: str | None = None):
        self.mission, self.cell, self.ename, self.evalue, self.kept = mission, cell, ename, evalue, kept
        self.first_line = first_line
        # ``cell`` is the cell's position in the notebook (1 = first cell), as JupyterLab counts them
        where = f"'{mission}'" + (f", cell {cell} of the notebook" if cell is not None else "")
        where += f" ({first_line})" if first_line else ""
        tail = f" (the executed notebook is kept at {kept})" if kept else ""
        super().__init__(f"{where}: {message}{tail}")


class RenderError(XmoError):
    """Rendering a report (HTML or PDF) failed."""


class LockTimeout(XmoError):
    """Another run holds the reports folder's lock for longer than the timeout."""

    exit_code = 3
