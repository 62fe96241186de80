"""Figures for the reports (seaborn on matplotlib), sized for an A4 page.

Each function returns a :class:`Chart`: a closed matplotlib figure that shows itself as one PNG
embedded in the notebook's output (whatever matplotlib backend the kernel runs), so no figure
leaks between cells and the rendered reports need no network.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on the scheduler; the inline backend still takes over in kernels
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402


PALETTE = {"met": "#2e7d32", "at risk": "#ef8f00", "missed": "#c62828"}
WIDTH = 7.2  # inches: the text width of an A4 page with 2 cm margins


def setup() -> None:
    """The house style: seaborn's whitegrid, readable fonts, a fixed DPI for identical PNGs."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.autolayout": True,
                         "axes.titleweight": "bold", "axes.titlesize": 11, "svg.hashsalt": "xmo"})


class Chart:
    """A finished figure; ``figure`` is the matplotlib Figure for further use."""

    def __init__(self, figure):
        self.figure = figure
        ax = figure.axes[0] if figure.axes else None
        # Alternative text for readers who cannot see the figure: its title and axis labels.
        self.alt = ". ".join(t for t in ((ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) if ax else ()) if t) or "Figure"

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        # No timestamp in the PNG: the same data give the same bytes.
        self.figure.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    def __repr__(self) -> str:
        return f"<Chart: {self.figure.axes[0].get_title() if self.figure.axes else ''}>"


def _done(fig) -> Chart:
    plt.close(fig)
    return Chart(fig)


def response_rates(table: pd.DataFrame, segment: str) -> Chart:
    """Share of respondents vs share of the population per segment, with the response rate."""
    t = table.dropna(subset=["sample_share"])
    long = t.melt(id_vars=[segment], value_vars=["population_share", "sample_share"], var_name="of", value_name="share")
    long["of"] = long["of"].map({"population_share": "Population", "sample_share": "Respondents"})
    fig, ax = plt.subplots(figsize=(WIDTH, 0.45 * len(t) + 1.2))
    sns.barplot(long, y=segment, x="share", hue="of", ax=ax, palette=["#9e9e9e", "#1565c0"], orient="h")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(xlabel="Share of total", ylabel="", title=f"Who answered, by {segment.replace('_', ' ')}")
    ax.legend(title=None, loc="lower right")
    return _done(fig)


def xla_scores(scores: pd.DataFrame, ci: str) -> Chart:
    """Each XLA's score with its CI (labelled ``ci``) against its target, coloured by status."""
    s = scores[~scores["suppressed"]].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.6 * len(s) + 1.2))
    y = np.arange(len(s))[::-1]
    for yi, row in zip(y, s.itertuples()):
        colour = PALETTE.get(row.status, "#555")
        ax.errorbar(row.score, yi, xerr=[[row.score - row.ci_low], [row.ci_high - row.score]], fmt="o",
                    color=colour, capsize=4, ms=7)
        ax.plot([row.target, row.target], [yi - 0.35, yi + 0.35], color="#212121", lw=2)
    ax.set_yticks(y, [f"{r.xla}\n{r.name}" for r in s.itertuples()])
    ax.set(xlabel=f"Score (0-100); bar = target, point = score with {ci}", title="XLA scores against their targets")
    lo = min(s["ci_low"].min(), s["target"].min()) - 3
    hi = max(s["ci_high"].max(), s["target"].max()) + 3
    ax.set_xlim(lo, hi)
    return _done(fig)


def xla_trend(trend: pd.DataFrame) -> Chart:
    """Each XLA's score per cycle with its CI band, and its target as a dashed line."""
    xlas = list(dict.fromkeys(trend["xla"]))
    fig, axes = plt.subplots(1, len(xlas), figsize=(WIDTH, 2.6), sharey=False)
    for ax, xid in zip(np.atleast_1d(axes), xlas):
        t = trend[trend["xla"] == xid]
        x = np.arange(len(t))
        ax.fill_between(x, t["ci_low"], t["ci_high"], alpha=0.25, color="#1565c0")
        ax.plot(x, t["score"], marker="o", color="#1565c0")
        ax.axhline(t["target"].iloc[0], ls="--", color="#212121", lw=1)
        ax.set_xticks(x, [c.split("-")[-1] for c in t["cycle"]])
        ax.set_title(xid, fontsize=9)
    return _done(fig)


def backlog_matrix(ranked: pd.DataFrame) -> Chart:
    """Open backlog items: RICE against WSJF, coloured by Kano category."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    shown = ranked.assign(gap=ranked["lifted"].map({True: "serves a missed/at-risk XLA", False: "other"}))
    sns.scatterplot(shown, x="wsjf", y="rice", hue="kano", style="gap", s=70, ax=ax)
    for row in ranked.head(5).itertuples():
        ax.annotate(row.item_id, (row.wsjf, row.rice), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set(xlabel="WSJF", ylabel="RICE", title="Open backlog: value for effort (top 5 labelled)")
    ax.legend(fontsize=7, loc="upper left")
    return _done(fig)


def item_distributions(responses: pd.DataFrame, items) -> Chart:
    """100% stacked bars: how each Likert item was answered (as asked, before reverse-keying)."""
    rows = []
    for item in items:
        counts = responses[item.id].value_counts(normalize=True).sort_index()
        for value, share in counts.items():
            rows.append({"item": item.id + (" (R)" if item.reverse else ""), "answer": int(value), "share": share})
    t = pd.DataFrame(rows).pivot(index="item", columns="answer", values="share").fillna(0)
    t = t.loc[[i.id + (" (R)" if i.reverse else "") for i in items]][::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.28 * len(t) + 1.3))
    colours = sns.color_palette("RdYlGn", n_colors=t.shape[1])
    left = np.zeros(len(t))
    for colour, answer in zip(colours, t.columns):
        ax.barh(t.index, t[answer], left=left, color=colour, label=str(answer), height=0.75)
        left += t[answer].to_numpy()
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(xlim=(0, 1), xlabel="Share of answers; (R) = reverse-keyed item", title="How each item was answered")
    ax.legend(title="answer", ncols=t.shape[1], loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, frameon=False)
    return _done(fig)


def weights_by(frame: pd.DataFrame, segment: str) -> Chart:
    """Distribution of the raking weights by segment (box plots)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 2.6))
    sns.boxplot(frame, x="weight", y=segment, ax=ax, color="#90caf9", fliersize=2)
    ax.set(xlabel="Weight (respondents represented by one answer)", ylabel="",
           title=f"Raking weights by {segment.replace('_', ' ')}")
    return _done(fig)


def driver_importance(table: pd.DataFrame, outcome: str, significance: float) -> Chart:
    """Each driver's share of explained variance (LMG), largest first; grey when p >= ``significance``."""
    t = table.sort_values("importance", ascending=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.4 * len(t) + 1.1))
    ax.barh(t["driver"], t["share"], color=np.where(t["p_value"] < significance, "#1565c0", "#b0bec5"))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(xlabel=f"Share of R² (grey: not significant at {100 * significance:g}%)", title=f"What drives {outcome}")
    return _done(fig)


def control_chart(chart: pd.DataFrame) -> Chart:
    """Per XLA: cycle scores, the centre line and the 3-sigma limits; points outside in red."""
    xlas = list(dict.fromkeys(chart["xla"]))
    fig, axes = plt.subplots(1, len(xlas), figsize=(WIDTH, 2.7))
    for ax, xid in zip(np.atleast_1d(axes), xlas):
        t = chart[chart["xla"] == xid]
        x = np.arange(len(t))
        ax.plot(x, t["centre"], color="#212121", lw=1)
        ax.step(x, t["ucl"], where="mid", color="#c62828", lw=0.8, ls="--")
        ax.step(x, t["lcl"], where="mid", color="#c62828", lw=0.8, ls="--")
        ax.plot(x, t["score"], color="#1565c0", marker="o", ms=4)
        out = t["outside"].to_numpy()
        ax.scatter(x[out], t["score"].to_numpy()[out], color="#c62828", s=40, zorder=3)
        ax.set_xticks(x, [c.split("-")[-1] for c in t["cycle"]])
        ax.set_title(xid, fontsize=9)
    fig.suptitle("Control charts: centre line and 3-sigma limits (red points fall outside)", fontsize=10)
    return _done(fig)


def journey_map(table: pd.DataFrame, ci: str, score: str, min_n: int) -> Chart:
    """The journey map: stages left to right in journey order, each stage's score with its CI
    (coloured by status), the target as a dashed line, the weakest stage ringed in red; below,
    the responses per stage (and the tickets when they know the stage). Hidden stages say so."""
    t = table.sort_values("order", kind="stable").reset_index(drop=True)
    x = np.arange(len(t))
    fig, (ax, vol) = plt.subplots(2, 1, figsize=(WIDTH, 4.4), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    shown = t[~t["suppressed"].astype(bool) & t["score"].notna()]
    xs = x[shown.index]
    ax.plot(xs, shown["score"].astype(float), color="#90a4ae", lw=1.2, ls="-", zorder=1)
    for xi, row in zip(xs, shown.itertuples()):
        colour = PALETTE.get(row.status, "#1565c0") if isinstance(row.status, str) else "#1565c0"
        ax.errorbar(xi, row.score, yerr=[[row.score - row.ci_low], [row.ci_high - row.score]], fmt="o", ms=8,
                    color=colour, capsize=5, zorder=3)
        if row.weakest:
            ax.scatter([xi], [row.score], s=420, facecolors="none", edgecolors="#c62828", linewidths=2, zorder=4)
            ax.annotate("weakest", (xi, row.ci_low), textcoords="offset points", xytext=(0, -16), ha="center",
                        color="#c62828", fontsize=9, fontweight="bold")
    targets = t["target"].dropna()
    values = [*shown["ci_low"].astype(float), *shown["ci_high"].astype(float), *targets.astype(float)]
    lo, hi = (min(values) - 4, max(values) + 3) if values else (0, 100)
    if len(targets):
        ax.axhline(float(targets.iloc[0]), ls="--", color="#212121", lw=1)
        ax.annotate("target", (x[-1] + 0.35, float(targets.iloc[0])), fontsize=8, va="bottom", ha="right")
    for xi, row in zip(x, t.itertuples()):
        if row.suppressed or pd.isna(row.score):
            ax.text(xi, (lo + hi) / 2, f"hidden\n(fewer than {min_n})" if row.suppressed else "no responses",
                    ha="center", va="center", fontsize=8, color="#757575")
    ax.set_ylim(lo, hi)
    ax.set(ylabel=f"Score (0-100), {ci}", title=f"Journey map: {score} by stage")
    responses = pd.to_numeric(t["responses"].where(~t["suppressed"].astype(bool)), errors="coerce")
    vol.bar(x - 0.2, responses.fillna(0), width=0.4, color="#1565c0", label="responses")
    if t["tickets"].notna().any():
        twin = vol.twinx()
        twin.bar(x + 0.2, t["tickets"].astype(float).fillna(0), width=0.4, color="#b0bec5", label="tickets")
        twin.set_ylabel("tickets", fontsize=8)
        twin.grid(False)
    vol.set_ylabel("responses", fontsize=8)
    vol.set_xticks(x, [f"{o}. {s}" for o, s in zip(t["order"], t["stage"])])
    vol.set_xlim(-0.6, len(t) - 0.4)
    return _done(fig)


def channel_view(table: pd.DataFrame, mix: pd.DataFrame, ci: str, column: str, groups: tuple[str, str]) -> Chart:
    """Left: effort (CES mean) per channel with its CI, the two groups of channels (params' labels,
    ``groups``) in two colours.
    Right: each channel's share of tickets (or responses) per cycle: where contacts shift."""
    fig, (ax, sh) = plt.subplots(1, 2, figsize=(WIDTH, 3.0), gridspec_kw={"width_ratios": [1, 1.3]})
    colours = dict(zip(groups, ("#1565c0", "#ef8f00")))
    t = table[~table["suppressed"].astype(bool) & table["effort"].notna()].reset_index(drop=True)
    y = np.arange(len(t))[::-1]
    for yi, row in zip(y, t.itertuples()):
        ax.errorbar(row.effort, yi, xerr=[[row.effort - row.effort_ci_low], [row.effort_ci_high - row.effort]],
                    fmt="o", color=colours.get(row.kind, "#555"), capsize=4)
    ax.set_yticks(y, [f"{name} ({kind})" for name, kind in zip(t[column], t["kind"])])
    ax.set(xlabel=f"CES mean (1-7, higher = easier), {ci}", title="Effort and the mix of channels")
    what = "share_of_tickets" if mix["share_of_tickets"].notna().any() else "share_of_responses"
    cycles = list(dict.fromkeys(mix["cycle"]))
    for ch, part in mix.groupby(column, sort=False):
        part = part.set_index("cycle").reindex(cycles)
        kind = part["kind"].dropna().iloc[0] if part["kind"].notna().any() else ""
        sh.plot(np.arange(len(cycles)), part[what].astype(float), marker="o", label=ch,
                ls="-" if kind == groups[0] else "--")
    sh.set_xticks(np.arange(len(cycles)), [c.split("-")[-1] for c in cycles])
    sh.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    sh.set_ylabel(f"share of {what.split('_')[-1]}", fontsize=8)
    sh.legend(fontsize=7, title=f"solid: {groups[0]}", title_fontsize=7)
    return _done(fig)


setup()
