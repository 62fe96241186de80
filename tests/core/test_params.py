"""Typed params checked at load: misspelt keys, policy ranges, analysis names, missions, audiences.

Each case is a defect that used to pass silently (weighting switched off, the privacy threshold
back to its default, reverse keying lost) or a rule of the params' schema.
"""
from __future__ import annotations

import shutil

import pytest

from xmo_analysis.core.exceptions import ConfigError
from xmo_analysis.core.params import load_params

from conftest import REPO


@pytest.fixture
def params_dir(tmp_path):
    d = tmp_path / "params"
    shutil.copytree(REPO / "params", d)
    return d


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _problems(params_dir) -> str:
    with pytest.raises(ConfigError) as err:
        load_params(params_dir)
    return str(err.value)


@pytest.mark.parametrize("file, old, new, key, near", [
    ("xmo.yaml", "weighting:", "weigthing:", "weigthing", "weighting"),
    ("xmo.yaml", "  min_group_size:", "  min_grup_size:", "privacy.min_grup_size", "min_group_size"),
    ("instrument.yaml", "reverse: true", "reversed: true", "reversed", "reverse"),
    ("metrics.yaml", "    direction: lower", "    directon: lower", "directon", "direction"),
    ("ambitions.yaml", "experience_type: CX", "experiance_type: CX", "experiance_type", "experience_type"),
    ("cycles/2026-Q4.yaml", "previous:", "prevous:", "prevous", "previous"),
])
def test_misspelt_key_is_an_error_naming_file_key_and_nearest(params_dir, file, old, new, key, near):
    _edit(params_dir / file, old, new)
    text = _problems(params_dir)
    assert file.split("/")[-1] in text and key in text and f"did you mean '{near}'" in text


def test_unknown_source_option_names_the_format_options(params_dir):
    _edit(params_dir / "xmo.yaml", "    format: csv\n", "    format: csv\n    delimeter: ';'\n")
    text = _problems(params_dir)
    assert "sources.responses.delimeter" in text and "did you mean 'delimiter'" in text


def test_every_problem_at_once(params_dir):
    _edit(params_dir / "xmo.yaml", "weighting:", "weigthing:")
    _edit(params_dir / "xmo.yaml", "  confidence: 0.95", "  confidence: 95")
    _edit(params_dir / "xmo.yaml", "  outcome: happiness", "  outcome: hapiness")
    text = _problems(params_dir)
    assert "weigthing" in text and "policy.confidence" in text and "analysis.outcome" in text
    assert text.count("\n  - ") == 3


def test_policy_sets_the_labels_and_levels(params_dir):
    _edit(params_dir / "xmo.yaml", "  confidence: 0.95", "  confidence: 0.9")
    p = load_params(params_dir)
    assert p.policy.confidence == 0.9 and p.policy.ci == "90% CI"
    assert p.policy.ci_labels() == {"ci_low": "90% CI low", "ci_high": "90% CI high"}
    assert p.policy.significant(0.049) and not p.policy.significant(0.05)


@pytest.mark.parametrize("old, new, fragment", [
    ("  breakdowns: [department, location]", "  breakdowns: [department, site]", "analysis.breakdowns"),
    ("  drivers: [support,", "  drivers: [suport,", "analysis.drivers"),
    ("  department: {column: department,", "  department: {column: dept,", "audiences.department.column"),
    ("min_respondents: 10, title: Department", "min_respondents: 3, title: Department", "min_respondents"),
    ("  - {id: 1_measures, notebook: 1_measures.ipynb,", "  - {id: 1_measures, notebook: ../1_measures.py,",
     "missions[1].notebook"),
])
def test_analysis_audiences_and_missions_are_checked(params_dir, old, new, fragment):
    _edit(params_dir / "xmo.yaml", old, new)
    assert fragment in _problems(params_dir)


def test_previous_cycle_is_one_rule(params_dir):
    p = load_params(params_dir)
    assert p.previous_cycle("2026-Q4") == "2026-Q3"  # params' previous
    assert p.previous_cycle("2026-Q1") is None
    _edit(params_dir / "cycles" / "2026-Q3.yaml", "previous: 2026-Q2", "previous: 2025-Q4")
    # a previous cycle that params do not define: the cycle that starts last before it
    assert load_params(params_dir).previous_cycle("2026-Q3") == "2026-Q2"


# ---------------------------------------------------------------- optional contracts
def _drop_source(params_dir, name: str) -> None:
    """Remove ``sources.<name>`` (its block of indented lines) from xmo.yaml."""
    import re
    path = params_dir / "xmo.yaml"
    text = path.read_text(encoding="utf-8")
    new = re.sub(rf"(?m)^  {name}:\n(?:    .*\n)+", "", text)
    assert new != text, name
    path.write_text(new, encoding="utf-8")


def test_only_the_survey_needs_a_source(params_dir):
    for name in ("population", "backlog", "outcomes"):
        _drop_source(params_dir, name)
    _edit(params_dir / "xmo.yaml", "population_segments: [department, location]", "population_segments: []")
    _edit(params_dir / "xmo.yaml", "  method: rake", "  method: none")
    p = load_params(params_dir)
    assert set(p.settings["sources"]) == {"responses", "tickets", "telemetry"}


def test_what_reads_an_absent_source_is_an_error_naming_it(params_dir):
    _drop_source(params_dir, "population")
    _drop_source(params_dir, "tickets")
    _drop_source(params_dir, "responses")
    text = _problems(params_dir)
    assert "sources.responses" in text and "the survey (responses) needs a source" in text
    assert "population_segments" in text and "raking needs a population frame" in text
    # each ticket metric of metrics.yaml, by name
    import yaml
    metrics = yaml.safe_load((params_dir / "metrics.yaml").read_text())["metrics"]
    assert any(m["source"] == "tickets" for m in metrics.values())
    for mid, m in metrics.items():
        assert (f"metric '{mid}'" in text) == (m["source"] == "tickets"), mid


def test_a_likert_item_alone_may_be_an_indicator_and_the_outcome(params_dir):
    """A real survey's overall question is often a plain Likert item without a construct."""
    _edit(params_dir / "instrument.yaml", "items:\n", "items:\n  - {id: overall, type: likert, scale: [1, 5], "
          "text: Overall I am satisfied}\n  - {id: worse, type: likert, scale: [1, 5], reverse: true, text: It got worse}\n")
    _edit(params_dir / "ambitions.yaml", "      - {kind: x, ref: communication, weight: 0.70}",
          "      - {kind: x, ref: overall, weight: 0.70}")
    _edit(params_dir / "xmo.yaml", "  outcome: happiness", "  outcome: overall")
    p = load_params(params_dir)
    assert p.analysis.outcome == "overall"
    _edit(params_dir / "xmo.yaml", "  outcome: overall", "  outcome: worse")
    assert "reverse-keyed" in _problems(params_dir)


# ---------------------------------------------------------------- messages
@pytest.mark.parametrize("file, old, new, line", [
    ("xmo.yaml", "  min_group_size: 5", "  min_group_size: [5", None),
    ("instrument.yaml", "items:\n", "items:\n  - {id: broken, type: nps\n", None),
    ("cycles/2026-Q4.yaml", "start:", "start: : :", None),
])
def test_yaml_error_has_line_and_column_and_nothing_else(params_dir, file, old, new, line):
    _edit(params_dir / file, old, new)
    text = _problems(params_dir)
    assert text.count("\n  - ") == 1, text  # no follow-on "missing source" or "unknown key" errors
    import re
    m = re.search(r"(\S+): not valid YAML at line (\d+), column (\d+)", text)
    assert m and m.group(1).endswith(file.split("/")[-1])
    # the line named is where the file breaks: the edit or the line after it
    edited = (params_dir / file).read_text(encoding="utf-8").splitlines()
    first = next(i for i, ln in enumerate(edited, start=1) if new.splitlines()[-1].strip() in ln)
    assert first <= int(m.group(2)) <= first + 1


def test_unknown_cycle_suggests_the_nearest_and_the_file_to_create(params_dir):
    p = load_params(params_dir)
    with pytest.raises(ConfigError) as err:
        p.cycle("2026-Q04")
    text = str(err.value)
    assert "did you mean '2026-Q4'" in text and "2026-Q04.yaml" in text and "start:" in text
    with pytest.raises(ConfigError) as err:
        p.cycle("FY2030")
    assert "did you mean" not in str(err.value) and "FY2030.yaml" in str(err.value)
