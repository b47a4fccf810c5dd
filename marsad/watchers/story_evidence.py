"""The evidence that two reports tell one event, and how it is weighed.

Pure. No single word decides: each signal adds to or takes from a score (a log-odds, as in a
logistic model), and the pair is one story when the score reaches the threshold. The weights
were fitted on one half of real labelled cross-outlet pairs and checked on the other
(``bench/stories_quality.py``, docs/stories.md); the entity terms, which those pairs cannot
exercise, were set by hand on the project's own cases.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class Veto(StrEnum):
    """The strongest evidence that two similar reports tell different events."""

    ENTITIES = "conflicting entities"
    WEEKDAY = "different weekdays"
    PLACES = "different places"
    NUMBERS = "different figures"
    TITLE_SLOT = "same headline template, another name"
    OUTLET = "same outlet"
    TIME = "far apart in time"


@dataclass(frozen=True)
class Weights:
    """Log-odds weights of each signal, the threshold, and the limits around them."""

    bias: float = -2.25
    cosine: float = 1.4
    """Per unit of rarity-weighted cosine of title and lead."""
    title_cover: float = 1.33
    """Per unit of the smaller share of a headline's word weight found in the other report."""
    rare_shared: float = 0.62
    """Per unit of log(1 + the weight of the rare words both share): a name, a place, a term
    that few items of the window use."""
    within_hour: float = 0.85
    """Published within the hour: rewrites of a wire or a press release come together."""
    beyond_day: float = -0.81
    beyond_two_days: float = -1.23
    """More than 24 (and 48) hours apart: most such pairs are the same kind of event again."""
    same_outlet: float = -2.0
    """An outlet rarely tells one event twice, and the same template covers its next event;
    its own republication (a near copy) still outweighs this."""
    figure_shared: float = 0.51
    """Per shared figure (years aside), at most ``figures_counted``."""
    figures_counted: int = 2
    figures_conflict: float = -2.5
    """Both give figures and none agree: 3 tonnes one day, 7 tonnes the next."""
    weekdays_conflict: float = -1.5
    places_conflict: float = -1.5
    """Both name places (towns of the gazetteer), none in common: the same kind of event
    elsewhere."""
    parties_conflict: float = -3.0
    """Each names a person or place the other does not: Spain's police one day, Denmark's the
    next. Strong, but a verbatim copy still outweighs it."""
    entity_shared: float = 0.25
    """Per shared matched entity, at most ``entities_counted``."""
    entities_counted: int = 3
    headline_swap: float = -2.5
    novel_names: float = -0.35
    """Each headline has a rare word (a name, a place) found nowhere in the other report."""
    """Headlines alike but for one or two words that are not spelling variants."""
    threshold: float = 0.5
    """Join at this score or above."""
    merge_margin: float = 1.0
    """A second story is merged into the first only when the bridge item scores this far above
    the threshold against it too: a merge is a bigger claim than a join."""
    window_hours: float = 72.0
    cross_language_hours: float = 18.0
    cross_language_entities: int = 3


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Evidence:
    """What was measured of one pair of reports."""

    cosine: float
    title_cover: float
    rare_shared: float
    hours_apart: float
    same_outlet: bool
    figures_shared: int
    figures_conflict: bool
    weekdays_conflict: bool
    places_conflict: bool
    parties_conflict: bool
    entities_shared: int
    headline_swap: bool
    novel_names: bool
    short: bool

    def terms(self, w: Weights) -> list[tuple[str, float]]:
        """Each signal's contribution to the score, named, in a fixed order."""
        return [
            ("bias", w.bias),
            ("cosine", w.cosine * self.cosine),
            ("title_cover", w.title_cover * self.title_cover),
            ("rare_shared", w.rare_shared * self.rare_shared),
            ("within_hour", w.within_hour if self.hours_apart <= 1 else 0.0),
            ("beyond_day", w.beyond_day if self.hours_apart > 24 else 0.0),
            ("beyond_two_days", w.beyond_two_days if self.hours_apart > 48 else 0.0),
            ("same_outlet", w.same_outlet if self.same_outlet else 0.0),
            ("figures_shared", w.figure_shared * min(self.figures_shared, w.figures_counted)),
            ("figures_conflict", w.figures_conflict if self.figures_conflict else 0.0),
            ("weekdays_conflict", w.weekdays_conflict if self.weekdays_conflict else 0.0),
            ("places_conflict", w.places_conflict if self.places_conflict else 0.0),
            ("parties_conflict", w.parties_conflict if self.parties_conflict else 0.0),
            ("entities_shared", w.entity_shared * min(self.entities_shared, w.entities_counted)),
            ("headline_swap", w.headline_swap if self.headline_swap else 0.0),
            ("novel_names", w.novel_names if self.novel_names else 0.0),
        ]

    def score(self, w: Weights) -> float:
        return sum(value for _, value in self.terms(w))

    def decides(self, w: Weights) -> bool:
        """One story: the score reaches the threshold. A bare headline (few content words) is
        never enough: "communiqué of the police" heads many events."""
        if self.short:
            return False
        return self.score(w) >= w.threshold

    def strongest_veto(self, w: Weights) -> Veto | None:
        """The conflict that took the most from the score, if any did."""
        against = {
            Veto.ENTITIES: w.parties_conflict if self.parties_conflict else 0.0,
            Veto.WEEKDAY: w.weekdays_conflict if self.weekdays_conflict else 0.0,
            Veto.PLACES: w.places_conflict if self.places_conflict else 0.0,
            Veto.NUMBERS: w.figures_conflict if self.figures_conflict else 0.0,
            Veto.TITLE_SLOT: (w.headline_swap if self.headline_swap else 0.0)
            + (w.novel_names if self.novel_names else 0.0),
            Veto.OUTLET: w.same_outlet if self.same_outlet else 0.0,
            Veto.TIME: (w.beyond_day if self.hours_apart > 24 else 0.0)
            + (w.beyond_two_days if self.hours_apart > 48 else 0.0),
        }
        veto, value = min(against.items(), key=lambda kv: kv[1])
        return veto if value < 0 else None


def weight_names() -> list[str]:
    """The names of the fields of ``Weights`` (for calibration scripts)."""
    return [f.name for f in fields(Weights)]
