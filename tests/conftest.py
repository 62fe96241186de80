"""Shared fixtures: a small demo project (params + notebooks + demo data at scale 0.1)."""
from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from xmo_analysis.pipeline.demo import generate

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"  # fixtures/ and reference/ live here; tests sit in folders mirroring the package


TINY_CELLS = 7  # a tiny notebook: its note, parameters, setup (open_cycle), title and first section


def make_project(root: Path, scale: float = 0.1, seed: int = 7, audiences: bool = False, tiny: bool = False,
                 data: Path | None = None) -> Path:
    """A project folder as a user has it: params/, notebooks/, data/demo/ (small), no reports.

    Without ``audiences`` the params' audience reports are left out, so that a test cycle runs
    the three missions only (the audience tests set their own). With ``tiny`` every notebook keeps
    its first ``TINY_CELLS`` cells: the real parameters, snapshot and title, for tests about the
    runner's mechanics (kills, locks, versions, renderers) rather than the reports' content. With
    ``data`` (a demo folder generated before, e.g. a million responses) data/demo links to it."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "params", root / "params")
    if not audiences:
        xmo = root / "params" / "xmo.yaml"
        text = re.sub(r"(?m)^audiences:\n(?:  .*\n)+", "", xmo.read_text(encoding="utf-8"))
        assert "audiences:" not in text
        xmo.write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    if tiny:
        import nbformat
        for path in (root / "notebooks").glob("*.ipynb"):
            nb = nbformat.read(path, as_version=4)
            assert len(nb.cells) > TINY_CELLS and any("parameters" in c.metadata.get("tags", []) for c in nb.cells[:TINY_CELLS])
            nb.cells = nb.cells[:TINY_CELLS]
            nbformat.write(nb, path)
    if data is not None:
        (root / "data").mkdir()
        (root / "data" / "demo").symlink_to(Path(data).resolve())
    else:
        generate(root / "data" / "demo", seed=seed, scale=scale)
    return root


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> Path:
    """A read-only small demo project shared by the tests that only read it."""
    return make_project(tmp_path_factory.mktemp("demo") / "project")


@pytest.fixture(scope="session")
def full_project(tmp_path_factory) -> Path:
    """The demo at full size (about 3,000 responses a cycle): enough power to find planted effects."""
    return make_project(tmp_path_factory.mktemp("full") / "project", scale=1.0, seed=20261122)


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh small demo project that a test may change."""
    return make_project(tmp_path / "project")


@pytest.fixture
def tiny_project(tmp_path) -> Path:
    """A fresh small project whose notebooks are cut to their first cells (see make_project)."""
    return make_project(tmp_path / "project", tiny=True)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261122)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


STAND_IN = textwrap.dedent('''\
    #!{python}
    """Stand-in for the Quarto CLI: checks its arguments, writes what Quarto would."""
    import os, sys, json
    from pathlib import Path
    args = sys.argv[1:]
    log = os.environ.get("QUARTO_STANDIN_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(json.dumps({{"args": args, "cwd": os.getcwd()}}) + "\\n")
    if args == ["--version"]:
        print("1.6.40")
        sys.exit(0)
    assert args[0] == "render", args
    src = Path(args[1])
    assert src.suffix == ".ipynb" and src.exists() and not src.is_absolute(), args
    to = args[args.index("--to") + 1]
    assert to in ("html", "typst"), args
    assert "echo:false" in args, args
    mode = os.environ.get("QUARTO_STANDIN_MODE", "ok")
    if mode == "silent":
        sys.exit(0)  # exit 0 without output: the wrapper must notice
    if mode == "fail":
        print("ERROR: render failed", file=sys.stderr)
        sys.exit(1)
    if to == "html":
        src.with_suffix(".html").write_text("<html><body><h1>quarto</h1></body></html>")
    else:
        src.with_suffix(".pdf").write_bytes(b"%PDF-1.4\\n%stand-in\\n%%EOF\\n")
    ''')



@pytest.fixture
def quarto_on_path(tmp_path, monkeypatch) -> Path:
    """A stand-in `quarto` first on PATH; returns the log of its invocations (JSON lines)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "quarto"
    exe.write_text(STAND_IN.format(python=sys.executable))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "quarto.log"
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("QUARTO_STANDIN_LOG", str(log))
    return log


# ---------------------------------------------------------------- real browser (selenium + chromium)
def browser_missing() -> list[str]:
    """What the real-browser tests lack here (empty: they can run)."""
    missing = [what for what, ok in (("chromium", shutil.which("chromium")),
                                     ("chromedriver", shutil.which("chromedriver"))) if not ok]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    return missing


def chrome(user_data_dir: Path):
    """Debian's chromium, headless, driven by selenium, with its console and network logs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    d.set_page_load_timeout(60)
    return d


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_server(skip=pytest.skip):
    """Start a throw-away PostgreSQL server on 127.0.0.1 (Debian's postgresql package); a generator
    that yields its URL and stops it when resumed. ``skip(reason)`` is called where none can start
    (the benchmarks pass one that raises)."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = shutil.which("initdb") or (bins[-1] if bins else None)
    if not initdb:
        skip("no PostgreSQL server binaries (Debian package 'postgresql') on this machine")
    bindir = Path(initdb).parent
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the package's postgres user
        if not shutil.which("runuser"):
            skip("running as root without runuser: cannot start PostgreSQL as another user")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="xmo-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if as_user:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    try:
        subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(root / "log"),
                                  "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        skip(f"could not start PostgreSQL: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, timeout=60)
        time.sleep(0.2)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    yield from postgres_server()


@pytest.fixture(scope="session")
def spark_session():
    """A local Spark (PySpark, two cores) for the engine tests; skips saying why where there is
    no Java runtime (Debian's openjdk-17-jre-headless) or no PySpark."""
    if not shutil.which("java"):
        pytest.skip("no Java runtime on PATH (Debian package openjdk-17-jre-headless): Spark cannot start")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        pytest.skip(f"PySpark is not installed: {exc}")
    try:
        session = (SparkSession.builder.master("local[2]").appName("xmo-tests")
                   .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    except Exception as exc:  # the JVM would not start (memory, sandbox)
        pytest.skip(f"Spark could not start: {str(exc).splitlines()[0]}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

