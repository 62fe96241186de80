"""Fingerprints decide whether a cycle is republished: a data, params, notebook or code change must
mint a new version, an unchanged project must not. Checked without executing any notebook (a
manifest is written with the fingerprint the runner would compute), and git metadata inside a
real repository.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from xmo_analysis.core.params import load_params
from xmo_analysis.pipeline import fingerprints
from xmo_analysis.pipeline.fingerprints import DigestCache, fingerprint, quick_check
from xmo_analysis.pipeline.runner import _git


def _publish_fake(project):
    """A published v1 whose manifest holds the project's current fingerprint."""
    params = load_params(project / "params")
    cache = DigestCache(project / "reports")
    inputs = {str(project / s["path"]): cache.path_digest(project / s["path"]) for s in params.settings["sources"].values()}
    notebooks = sorted({project / "notebooks" / m.notebook for m in params.missions}
                       | {project / "notebooks" / a.notebook for a in params.audiences})
    fp = fingerprint(inputs, params.files, project, "nbconvert", notebooks)
    v1 = project / "reports" / "2026-Q4" / "v1"
    v1.mkdir(parents=True)
    (v1 / "manifest.json").write_text(json.dumps({"version": 1, "fingerprint": fp}), encoding="utf-8")
    return fp


@pytest.fixture
def published(project):
    _publish_fake(project)
    assert quick_check(project, "2026-Q4", "nbconvert", project / "reports") == 1
    return project


def test_data_change_is_seen(published):
    f = published / "data" / "demo" / "backlog.csv"
    f.write_text(f.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert quick_check(published, "2026-Q4", "nbconvert", published / "reports") is None


def test_params_change_is_seen(published):
    f = published / "params" / "ambitions.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("target: 71", "target: 72", 1), encoding="utf-8")
    assert quick_check(published, "2026-Q4", "nbconvert", published / "reports") is None


def test_notebook_change_is_seen(published):
    f = published / "notebooks" / "3_manage.ipynb"
    f.write_text(f.read_text(encoding="utf-8").replace("Executive summary", "Summary"), encoding="utf-8")
    assert quick_check(published, "2026-Q4", "nbconvert", published / "reports") is None


def test_code_change_is_seen(published, monkeypatch):
    real = fingerprints.code_digest
    # another digest whatever the real one is (a fixed first character would match 1 time in 16)
    monkeypatch.setattr(fingerprints, "code_digest", lambda nbs: ("1" if real(nbs)[0] == "0" else "0") + real(nbs)[1:])
    assert quick_check(published, "2026-Q4", "nbconvert", published / "reports") is None


def test_renderer_change_is_seen(published, quarto_on_path):
    assert quick_check(published, "2026-Q4", "auto", published / "reports") is None


def test_changed_file_with_same_size_and_new_mtime_is_hashed_again(published):
    f = published / "data" / "demo" / "population.csv"
    text = f.read_text(encoding="utf-8")
    i = next(k for k, ch in enumerate(text) if ch.isdigit())
    f.write_text(text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:], encoding="utf-8")
    assert quick_check(published, "2026-Q4", "nbconvert", published / "reports") is None


def test_git_commit_and_dirty_flag_in_a_real_repository(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    run = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, text=True)  # noqa: E731
    run("init", "-q")
    run("config", "user.email", "t@example.invalid")
    run("config", "user.name", "t")
    (repo / "a.txt").write_text("one\n")
    run("add", "a.txt")
    run("commit", "-qm", "first")
    head = run("rev-parse", "HEAD").stdout.strip()
    assert _git(repo) == {"commit": head, "dirty": False}
    (repo / "a.txt").write_text("two\n")
    assert _git(repo) == {"commit": head, "dirty": True}
    assert _git(tmp_path / "nowhere") == {"commit": None, "dirty": None}
