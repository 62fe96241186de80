"""The portal's front page: where the ambitions stand in the latest cycle, at a glance.

Built from what is published (``results-manage.json`` of each version), never from data: each
XLA's score, confidence interval, target, status and change since the previous cycle, a small
trend across cycles (inline SVG, described in words for screen readers), and, for a cycle
published more than once, what changed in its results between the last two versions, in words
("XLA-SD 71.2 → 70.9, status unchanged"). Static and self-contained: no network, no script but
the optional filter of the audience reports.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

e = html.escape


def _results(folder: Path, name: str) -> dict:
    """A published results file of a version, or an empty document."""
    try:
        return json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def scorecard(folder: Path) -> list[dict]:
    """The published scorecard of a version: ``results-manage.json``'s (with the change since
    the last cycle), else mission 1's XLA scores (``results-measures.json``), else none."""
    for name in ("results-manage.json", "results-measures.json"):
        rows = [r for r in _results(folder, name).get("xla", [])
                if isinstance(r, dict) and r.get("xla") and not r.get("segment")]
        if rows:
            return rows
    return []


def trend(folder: Path) -> dict[str, list[dict]]:
    """XLA id -> its published trend rows (cycle, score), oldest first."""
    doc = _results(folder, "results-manage.json")
    out: dict[str, list[dict]] = {}
    for r in doc.get("trend", []):
        if isinstance(r, dict) and isinstance(r.get("score"), (int, float)):
            out.setdefault(r["xla"], []).append(r)
    return out


def _num(v, fmt: str = "{:.1f}") -> str:
    return fmt.format(v) if isinstance(v, (int, float)) else "—"


def sparkline(rows: list[dict], target: float | None, width: int = 120, height: int = 30) -> str:
    """An inline SVG of the scores across cycles with the target dashed; its text alternative
    lists the scores (status is never shown by colour alone)."""
    scores = [float(r["score"]) for r in rows]
    if len(scores) < 2:
        return '<span class="muted">one cycle so far</span>'
    values = scores + ([float(target)] if isinstance(target, (int, float)) else [])
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    pad = 3

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + i * (width - 2 * pad) / (len(scores) - 1)
        y = height - pad - (v - lo) / span * (height - 2 * pad)
        return round(x, 1), round(y, 1)

    points = " ".join(f"{x},{y}" for x, y in (xy(i, v) for i, v in enumerate(scores)))
    label = ", ".join(f"{e(str(r['cycle']))} {s:.1f}" for r, s in zip(rows, scores))
    parts = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Scores by cycle: {label}"><title>Scores by cycle: {label}</title>']
    if isinstance(target, (int, float)):
        _, ty = xy(0, float(target))
        parts.append(f'<line x1="{pad}" y1="{ty}" x2="{width - pad}" y2="{ty}" stroke="#757575" '
                     'stroke-dasharray="3,2" stroke-width="1"/>')
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1565c0" stroke-width="1.6"/>')
    lx, ly = xy(len(scores) - 1, scores[-1])
    parts.append(f'<circle cx="{lx}" cy="{ly}" r="2.4" fill="#1565c0"/></svg>')
    return "".join(parts)


def result_changes(latest: list[dict], previous: list[dict]) -> list[str]:
    """What changed in the scorecard between two versions of a cycle, in words."""
    before = {r["xla"]: r for r in previous}
    out = []
    for r in latest:
        b = before.get(r["xla"])
        if b is None:
            out.append(f"{r['xla']}: new in this version ({_num(r.get('score'))}, {r.get('status')})")
            continue
        same_score = _num(r.get("score")) == _num(b.get("score"))
        status = ("status unchanged" if r.get("status") == b.get("status")
                  else f"status {b.get('status')} → {r.get('status')}")
        score = (f"{_num(r.get('score'))}, unchanged" if same_score
                 else f"{_num(b.get('score'))} → {_num(r.get('score'))}")
        out.append(f"{r['xla']} {score}, {status}")
    for xid in sorted(set(before) - {r["xla"] for r in latest}):
        out.append(f"{xid}: no longer in the scorecard")
    return out


BADGE = {"met": "st-met", "at risk": "st-at-risk", "missed": "st-missed"}


def front(rows: list[dict]) -> str:
    """The front page's head: the latest cycle's scorecard, its reports and what changed.

    ``rows``: the catalogue (newest cycle first, newest version first within a cycle)."""
    if not rows:
        return ""
    latest = rows[0]
    base = f'{e(latest["cycle"])}/v{latest["version"]}'
    card = scorecard(latest["path"])
    series = trend(latest["path"])
    out = [f'<section aria-labelledby="now"><h2 id="now">Where the ambitions stand: {e(latest["cycle"])} '
           f'(v{latest["version"]})</h2>']
    if card:
        body = []
        for r in card:
            status = str(r.get("status") or "—")
            ci = (f'{_num(r.get("ci_low"))} to {_num(r.get("ci_high"))}'
                  if isinstance(r.get("ci_low"), (int, float)) else "—")
            change = r.get("change")
            change_text = "—" if not isinstance(change, (int, float)) else f"{change:+.1f}"
            if isinstance(r.get("p_change"), (int, float)) and isinstance(change, (int, float)):
                change_text += " (significant)" if r["p_change"] < 0.05 else " (not significant)"
            body.append(f'<tr><td>{e(str(r["xla"]))}</td><td>{e(str(r.get("name", "")))}</td>'
                        f'<td class="num">{_num(r.get("score"))}</td><td class="num">{ci}</td>'
                        f'<td class="num">{_num(r.get("target"))}</td>'
                        f'<td><span class="badge {BADGE.get(status, "")}">{e(status)}</span></td>'
                        f'<td class="num">{change_text}</td>'
                        f'<td>{sparkline(series.get(r["xla"], []), r.get("target"))}</td></tr>')
        out.append('<div class="table-wrap"><table><caption>XLA scorecard of the latest cycle</caption><thead><tr>'
                   '<th>XLA</th><th>Name</th><th class="num">Score</th><th class="num">Confidence interval</th>'
                   '<th class="num">Target</th><th>Status</th><th class="num">Change since last cycle</th>'
                   f'<th>Trend (target dashed)</th></tr></thead><tbody>{"".join(body)}</tbody></table></div>')
    links = " · ".join(f'<a href="{base}/{e(m)}.html">{e(latest["titles"].get(m, m))}</a> '
                       f'(<a href="{base}/{e(m)}.pdf">PDF</a>)' for m in latest["missions"])
    out.append(f"<p><strong>Reports:</strong> {links}</p>")
    same = [r for r in rows if r["cycle"] == latest["cycle"]]
    if len(same) > 1:
        changed = result_changes(card, scorecard(same[1]["path"]))
        if changed:
            out.append(f'<p><strong>What changed since v{same[1]["version"]}:</strong></p><ul class="changes">'
                       + "".join(f"<li>{e(c)}</li>" for c in changed) + "</ul>")
    out.append("</section>")
    return "".join(out)


# The audience tables' filter: plain DOM, no library, no network; without script every row shows.
FILTER_SCRIPT = """<script>
document.querySelectorAll('input.filter').forEach(function (box) {
  box.addEventListener('input', function () {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll('table.audience tbody tr').forEach(function (tr) {
      tr.style.display = tr.textContent.toLowerCase().indexOf(q) === -1 ? 'none' : '';
    });
  });
});
</script>"""
