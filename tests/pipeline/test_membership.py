"""The record of what each version published: its keys by hand, its file, its size in memory."""
from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from xmo_analysis.domain.xla import published_groups, published_hidden
from xmo_analysis.pipeline import membership
from xmo_analysis.sources.loaders import load_cycle


def _key(salt: str, rid) -> str:  # the documented digest, written out again
    return hashlib.sha256(f"{salt}\x1f{rid}".encode("utf-8")).hexdigest()[:20]


@pytest.fixture(scope="module")
def data(demo_project):
    d = load_cycle(demo_project, "2026-Q4")
    d.earlier_versions = {"salt": "pepper", "versions": []}
    return d


def test_groups_are_the_members_digests_held_as_20_bytes_each(data):
    groups = published_groups(data)
    resp = data.current("responses")
    everyone = sorted(_key("pepper", r) for r in resp["response_id"])
    assert len(everyone) == len(resp) > 100
    assert groups["all"].dtype == np.dtype("S20") and groups["all"].nbytes == 20 * len(resp)
    assert groups["all"].astype(str).tolist() == everyone
    dept = resp["department"].astype(str)
    shown = [k for k in groups if k.startswith("department=")]
    assert shown  # the demo shows departments
    for name in shown:
        level = name.split("=", 1)[1]
        assert groups[name].astype(str).tolist() == sorted(_key("pepper", r) for r in resp["response_id"][dept == level])


def test_record_round_trip_keeps_the_file_format_and_gives_bytes_back(data, tmp_path):
    groups = published_groups(data)
    reports = tmp_path / "reports"
    (reports / "2026-Q4" / "v1").mkdir(parents=True)
    path = membership.save(tmp_path, reports, "2026-Q4", 1, groups)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert set(on_disk) == set(groups) and len(on_disk) > 1
    assert on_disk["all"] == sorted(_key("pepper", r) for r in data.current("responses")["response_id"])
    back = membership.load(tmp_path, reports, "2026-Q4")["versions"]
    assert [v["version"] for v in back] == [1]
    assert all(back[0]["groups"][k].dtype == np.dtype("S20") for k in groups)
    assert all(np.array_equal(back[0]["groups"][k], groups[k]) for k in groups)


def test_a_group_moved_by_three_people_is_hidden_against_the_loaded_record(demo_project, data, tmp_path):
    """The differencing check reads the record as it is loaded (bytes arrays): three respondents
    moved between the two largest departments (a corrected export) hide both."""
    reports = tmp_path / "reports"
    (reports / "2026-Q4" / "v1").mkdir(parents=True)
    membership.save(tmp_path, reports, "2026-Q4", 1, published_groups(data))
    record = membership.load(tmp_path, reports, "2026-Q4")
    record["salt"] = "pepper"
    project = tmp_path / "project"
    shutil.copytree(demo_project, project, symlinks=True, ignore=shutil.ignore_patterns("reports", ".xmo"))
    path = project / "data" / "demo" / "responses.csv"
    if path.is_symlink():
        path.unlink()
        shutil.copy(demo_project / "data" / "demo" / "responses.csv", path)
    resp = pd.read_csv(path)
    cur = resp[resp["cycle"] == "2026-Q4"]
    sizes = cur["department"].value_counts()
    a, b = sizes.index[0], sizes.index[1]
    resp.loc[cur.index[cur["department"] == a][:3], "department"] = b
    resp.to_csv(path, index=False)
    before = published_hidden(data)
    assert ("department", a) not in before and ("department", b) not in before
    later = load_cycle(project, "2026-Q4")
    later.earlier_versions = record
    hidden = published_hidden(later)
    assert ("department", a) in hidden and ("department", b) in hidden


def test_a_record_with_keys_of_another_length_is_an_error_naming_the_file(data, tmp_path):
    reports = tmp_path / "reports"
    (reports / "2026-Q4" / "v1").mkdir(parents=True)
    path = membership.save(tmp_path, reports, "2026-Q4", 1, published_groups(data))
    record = json.loads(path.read_text(encoding="utf-8"))
    record["all"][0] = record["all"][0] + "ff"  # 22 characters: cut to 20 bytes it would match nobody
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ValueError, match=r"v1\.json: member keys are 20 hexadecimal characters"):
        membership.load(tmp_path, reports, "2026-Q4")
