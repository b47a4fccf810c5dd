"""Why two items are, or are not, one story: the evidence against the thresholds, for a person.

Pure formatting over a ``Verdict`` (what ``marsad stories --why`` prints), in the spirit of
``marsad explain`` for matches: every signal with its measured value, its weight and what it
added to the score, then the score against the threshold and the decision.
"""

from __future__ import annotations

from marsad.watchers.story_compare import Reason, Verdict
from marsad.watchers.story_evidence import Evidence, Weights

_LABELS = {
    "bias": ("starting odds (most pairs are different events)", ""),
    "cosine": ("shared words, weighed by rarity (cosine)", "{e.cosine:.2f}"),
    "title_cover": ("headline words found in the other report", "{e.title_cover:.0%}"),
    "rare_shared": ("rare words both use (log weight)", "{e.rare_shared:.2f}"),
    "within_hour": ("published within the hour", "{e.hours_apart:.1f} h apart"),
    "beyond_day": ("more than a day apart", "{e.hours_apart:.1f} h apart"),
    "beyond_two_days": ("more than two days apart", "{e.hours_apart:.1f} h apart"),
    "same_outlet": ("same outlet", "{e.same_outlet}"),
    "figures_shared": ("figures in common", "{e.figures_shared}"),
    "figures_conflict": ("figures, none in common", "{e.figures_conflict}"),
    "weekdays_conflict": ("weekdays named, none in common", "{e.weekdays_conflict}"),
    "places_conflict": ("both name places, none in common", "{e.places_conflict}"),
    "parties_conflict": ("each names a person or place the other does not", "{e.parties_conflict}"),
    "entities_shared": ("matched entities in common", "{e.entities_shared}"),
    "headline_swap": ("same headline, one or two words swapped", "{e.headline_swap}"),
    "novel_names": ("each headline has a rare word the other lacks", "{e.novel_names}"),
}


def explain_verdict(verdict: Verdict, weights: Weights) -> list[str]:
    """Lines that show how the verdict was reached."""
    evidence = verdict.evidence
    if evidence is None:
        return _without_evidence(verdict)
    lines = [f"{'signal':<52} {'measured':>14} {'adds':>7}"]
    timed = any(
        value for name, value in evidence.terms(weights) if name.startswith(("within", "beyond"))
    )
    if not timed:
        lines.append(f"{'time apart':<52} {evidence.hours_apart:>12.1f} h {0.0:>+7.2f}")
    for name, value in evidence.terms(weights):
        label, measured = _LABELS[name]
        if value == 0.0 and name != "bias":
            continue
        lines.append(f"{label:<52} {measured.format(e=evidence):>14} {value:>+7.2f}")
    lines.append(f"{'score':<52} {'':>14} {verdict.score:>+7.2f}")
    lines.append(_decision(verdict, evidence, weights))
    return lines


def _decision(verdict: Verdict, evidence: Evidence, weights: Weights) -> str:
    if evidence.hours_apart > weights.window_hours:
        return f"→ different stories: {evidence.hours_apart:.0f} h apart, beyond the window"
    if evidence.short:
        return "→ different stories: a bare headline (too few words) is never enough"
    if verdict.same:
        return f"→ one story: the score reaches the threshold {weights.threshold:+.2f}"
    why = f" (strongest evidence against: {verdict.veto})" if verdict.veto else ""
    return f"→ different stories: the score is below the threshold {weights.threshold:+.2f}{why}"


def _without_evidence(verdict: Verdict) -> list[str]:
    if verdict.reason is Reason.CROSS_LANGUAGE:
        return ["→ one story: other language, the same parties and a shared topic, same day"]
    if verdict.reason is not None:
        return [f"→ one story: {verdict.reason}"]
    return ["→ different stories: other languages, and the entities do not tie them"]
