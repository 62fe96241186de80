"""O-data and T-data from SQL databases through SQLAlchemy: SQLite, and a real PostgreSQL server
that the test starts (it skips, saying why, only where no server can be started)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from xmo_analysis.core.exceptions import InputError
from xmo_analysis.sources.loaders import load_cycle


def _point_at_sql(project: Path, url_env: str, **extra) -> None:
    path = project / "params" / "xmo.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["sources"]["tickets"] = {"format": "sql", "url_env": url_env, "table": "tickets"}
    settings["sources"]["telemetry"] = {"format": "sql", "url_env": url_env, **extra,
                                        "query": "SELECT date, device_id, user_id, department, location, boot_time_s, "
                                                 "crashes, app_latency_ms FROM telemetry WHERE date >= :start"
                                        .replace(":start", "'2026-01-01'")}
    path.write_text(yaml.safe_dump(settings))


def _fill(engine, project: Path) -> tuple[int, int]:
    tickets = pd.read_parquet(project / "data/demo/tickets.parquet")
    telemetry = pd.read_parquet(project / "data/demo/telemetry").drop(columns=["cycle"], errors="ignore")
    tickets.to_sql("tickets", engine, index=False, if_exists="replace", chunksize=5000)
    telemetry.to_sql("telemetry", engine, index=False, if_exists="replace", chunksize=5000)
    return len(tickets), len(telemetry)


def _same_as_files(project: Path, data) -> None:
    files = load_cycle(project.parent / "files", "2026-Q4")
    # a database returns rows in no defined order (no ORDER BY): compare by ticket
    cols = ["ticket_id", "sla_met", "reopened"]
    pd.testing.assert_frame_equal(data.current("tickets")[cols].sort_values("ticket_id").reset_index(drop=True),
                                  files.current("tickets")[cols].sort_values("ticket_id").reset_index(drop=True))
    assert data.current("telemetry")["boot_time_s"].sum() == pytest.approx(files.current("telemetry")["boot_time_s"].sum())


@pytest.fixture
def sql_project(project):
    shutil.copytree(project, project.parent / "files")  # the same data, read from files, to compare
    return project


def test_sqlite(sql_project, monkeypatch):
    db = sql_project / "ops.sqlite"
    engine = sa.create_engine(f"sqlite:///{db}")
    n_tickets, _ = _fill(engine, sql_project)
    monkeypatch.setenv("XMO_OPS_DB", f"sqlite:///{db}")
    _point_at_sql(sql_project, "XMO_OPS_DB")
    data = load_cycle(sql_project, "2026-Q4")
    assert len(data.tickets) == n_tickets
    _same_as_files(sql_project, data)
    assert "sources.tickets (sql)" in data.files


def test_sql_errors_are_clear(project, monkeypatch):
    _point_at_sql(project, "XMO_NO_SUCH_VARIABLE")
    monkeypatch.delenv("XMO_NO_SUCH_VARIABLE", raising=False)
    with pytest.raises(InputError, match="set environment variable XMO_NO_SUCH_VARIABLE"):
        load_cycle(project, "2026-Q4")
    monkeypatch.setenv("XMO_NO_SUCH_VARIABLE", f"sqlite:///{project / 'empty.sqlite'}")
    with pytest.raises(InputError, match="cannot read from sqlite"):
        load_cycle(project, "2026-Q4")


def test_postgresql(sql_project, postgres_url, monkeypatch):
    engine = sa.create_engine(postgres_url)
    n_tickets, n_tel = _fill(engine, sql_project)
    engine.dispose()
    monkeypatch.setenv("XMO_OPS_DB", postgres_url)
    _point_at_sql(sql_project, "XMO_OPS_DB")
    data = load_cycle(sql_project, "2026-Q4")
    assert len(data.tickets) == n_tickets and len(data.telemetry) == n_tel
    _same_as_files(sql_project, data)
