"""Notifications of scheduled runs, through apprise (e-mail, Teams, Slack, webhooks, ...).

``XMO_NOTIFY`` holds one or more apprise URLs, separated by spaces or commas, e.g.
``mailtos://user:pass@smtp.example.org?to=xmo@example.org`` or
``msteams://...`` or ``json://hooks.example.org/xmo``. A run that publishes sends the cycle,
the version, each XLA's status and the portal link; a run that fails sends the error line and
where the failed notebook is kept; a run that is up to date sends nothing. ``XMO_PORTAL_URL``
(optional) is the portal's address for readers (default: the portal's file path).

A notification that cannot be delivered is logged and never fails the run: the reports are
published whatever the mail server does.
"""
from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "XMO_NOTIFY"
PORTAL_ENV = "XMO_PORTAL_URL"


def targets(environ: dict | None = None) -> list[str]:
    """The apprise URLs of ``XMO_NOTIFY`` (none: notifications are off)."""
    raw = (environ if environ is not None else os.environ).get(ENV, "")
    return [u for u in re.split(r"[\s,]+", raw) if u]


def _send(title: str, body: str, kind: str) -> bool:
    urls = targets()
    if not urls:
        return False
    import apprise  # only when notifications are configured
    sender = apprise.Apprise()
    for url in urls:
        if not sender.add(url):
            log.warning("%s: not an apprise URL (%s); skipped", ENV, url.split("://")[0] + "://...")
    if not len(sender):
        return False
    ok = sender.notify(title=title, body=body, notify_type=getattr(apprise.NotifyType, kind))
    if not ok:
        log.warning("a notification could not be delivered to every target of %s", ENV)
    return bool(ok)


def _statuses(version_dir: Path) -> list[str]:
    """'SW-CLASSIC Affection for ...: met (84.8 vs 80)' for each XLA of the published scorecard."""
    try:
        doc = json.loads((version_dir / "results-manage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    lines = []
    for r in doc.get("xla", []):
        score = r.get("score")
        figure = f" ({score:.1f} vs {r.get('target'):g})" if isinstance(score, (int, float)) else ""
        lines.append(f"{r.get('xla')} {r.get('name')}: {r.get('status')}{figure}")
    return lines


def portal_link(reports: Path) -> str:
    base = os.environ.get(PORTAL_ENV)
    return base.rstrip("/") + "/index.html" if base else str(Path(reports) / "index.html")


def published(cycle: str, version: int, version_dir: Path, reports: Path) -> bool:
    """Tell the readers a new version is out."""
    body = "\n".join([f"Cycle {cycle}: version {version} is published.", "", *_statuses(version_dir), "",
                      f"Portal: {portal_link(reports)}"])
    return _send(f"xmo: {cycle} v{version} published", body, "SUCCESS")


def failed(cycle: str, error: str, kept: str | None = None) -> bool:
    """Tell the XMO a run failed and where to look."""
    body = f"Cycle {cycle}: the run failed; no report was published or changed.\n\n{error}"
    if kept:
        body += f"\n\nThe failed notebook is kept at {kept}"
    return _send(f"xmo: {cycle} run FAILED", body, "FAILURE")
