"""Shared fixtures: a small demo project (params + notebooks + demo data at scale 0.1)."""
from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from xmo_analysis.demo import generate

REPO = Path(__file__).resolve().parents[1]


def make_project(root: Path, scale: float = 0.1, seed: int = 7) -> Path:
    """A project folder as a user has it: params/, notebooks/, data/demo/ (small), no reports."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "params", root / "params")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    generate(root / "data" / "demo", seed=seed, scale=scale)
    return root


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> Path:
    """A read-only small demo project shared by the tests that only read it."""
    return make_project(tmp_path_factory.mktemp("demo") / "project")


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh small demo project that a test may change."""
    return make_project(tmp_path / "project")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261122)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")
