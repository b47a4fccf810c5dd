"""Story quality on real cross-outlet pairs: pair precision and recall, both halves, with the
baselines in the same run; and the calibration of the story weights.

    python3 bench/stories_quality.py [--dev ../shared/stories-dev] [--fit]

Reads ``articles.jsonl`` and ``pairs.jsonl`` of the labelled development set (never copied into
the repository). The pairs are split in two fixed halves by a hash of the pair id: half A
calibrates, half B checks. For each half it prints:

- the pairwise decision of ``story_compare.compare`` with the shipped weights (the rarity of
  words counted over all articles of the set, as the window holds them in a poll);
- the same items clustered incrementally by ``StoryIndex`` in order of publication, scored on
  the labelled pairs (what ``marsad poll`` does, without the store);
- two baselines: TF-IDF cosine of title + 600 characters (≥ 0.29) and word-bigram Jaccard of
  title + 900 characters (≥ 0.20), as the set's README computes them.

``--fit`` fits a logistic model of the evidence terms on half A (L2-regularised, plain
gradient descent, no numpy needed) and prints the weights and both halves' scores with them,
for pasting into ``Weights``. The entity terms and the same-outlet term are not fitted: the
set's pairs are all cross-outlet and name few of the shipped rules' entities.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marsad.matching.normalise import normalise
from marsad.watchers.stories import StoryIndex, StoryItem
from marsad.watchers.story_compare import Fingerprint, Stored, compare, fingerprint, weigh
from marsad.watchers.story_evidence import DEFAULT_WEIGHTS, Evidence, Weights
from marsad.watchers.story_rarity import Rarity

FITTED = (
    "bias",
    "cosine",
    "title_cover",
    "rare_shared",
    "within_hour",
    "beyond_day",
    "beyond_two_days",
    "figure_shared",
    "figures_conflict",
    "weekdays_conflict",
    "places_conflict",
    "headline_swap",
    "novel_names",
)


@dataclass(frozen=True)
class Pair:
    name: str
    a: str
    b: str
    same: bool

    @property
    def half(self) -> str:
        return "A" if zlib.crc32(self.name.encode()) % 2 == 0 else "B"


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str, half: str) -> str:
        return (
            f"| {name} | {half} | {self.precision:.3f} | {self.recall:.3f} | {self.f1:.3f} | "
            f"{self.tp}/{self.fp}/{self.fn} |"
        )


def score(pairs: list[Pair], said_same: dict[str, bool]) -> Score:
    tp = sum(1 for p in pairs if p.same and said_same[p.name])
    fp = sum(1 for p in pairs if not p.same and said_same[p.name])
    fn = sum(1 for p in pairs if p.same and not said_same[p.name])
    return Score(tp, fp, fn)


def load(folder: Path) -> tuple[dict[str, dict[str, str]], list[Pair]]:
    articles = {}
    for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            articles[row["id"]] = row
    pairs = []
    for line in (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(Pair(row["pair"], row["a"], row["b"], bool(row["same"])))
    return articles, pairs


def story_items(articles: dict[str, dict[str, str]]) -> dict[str, StoryItem]:
    """One item per article, as ``marsad poll`` stores it: title, the first 900 characters of
    the text as the lead, one source per outlet."""
    outlets: dict[str, int] = {}
    items = {}
    for number, (key, row) in enumerate(sorted(articles.items()), start=1):
        source = outlets.setdefault(row["outlet"], len(outlets) + 1)
        items[key] = StoryItem(
            id=number,
            source=source,
            published=datetime.fromisoformat(row["published"]),
            title=row["title"],
            lead=row["text"][:900],
        )
    return items


def _as_new(
    items: dict[str, StoryItem], pairs: list[Pair]
) -> Iterator[tuple[Pair, Fingerprint, Stored, Rarity]]:
    """Each pair with the later item's fingerprint, the earlier item indexed, and the rarity of
    a window of all the others (the later item not yet counted, as ``StoryIndex.find`` has it)."""
    prints = {key: fingerprint(it.title, it.lead) for key, it in items.items()}
    rarity = Rarity()
    for print_ in prints.values():
        rarity.add(print_.words)
    for pair in pairs:
        rarity.remove(prints[pair.b].words)
        yield pair, prints[pair.b], Stored.of(items[pair.a], prints[pair.a], 0, ()), rarity
        rarity.add(prints[pair.b].words)


def evidence_of(items: dict[str, StoryItem], pairs: list[Pair]) -> dict[str, Evidence]:
    """Each pair's evidence, the later item weighed as new against the earlier."""
    return {
        pair.name: weigh(items[pair.b], print_, old, rarity)
        for pair, print_, old, rarity in _as_new(items, pairs)
    }


def decide_pairs(
    items: dict[str, StoryItem], pairs: list[Pair], weights: Weights
) -> dict[str, bool]:
    return {
        pair.name: compare(items[pair.b], print_, old, rarity, weights).same
        for pair, print_, old, rarity in _as_new(items, pairs)
    }


def clustered(items: dict[str, StoryItem], pairs: list[Pair], weights: Weights) -> dict[str, bool]:
    """Incremental clustering in order of publication, as a poll of every feed at once."""
    index = StoryIndex(timedelta(hours=weights.window_hours), weights)
    story: dict[str, int] = {}
    for item in sorted(items.values(), key=lambda it: (it.published, it.id)):
        index.assign(item, new_story=item.id)
    for key, item in items.items():
        story[key] = index.story_of(item.id) or item.id
    return {p.name: story[p.a] == story[p.b] for p in pairs}


_TOKEN = re.compile(r"[\u0621-\u064a]+|[a-z]+|[0-9]+")
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و")


def _plain_tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


def tfidf_baseline(articles: dict[str, dict[str, str]], pairs: list[Pair]) -> dict[str, bool]:
    def words(row: dict[str, str]) -> list[str]:
        out = []
        for token in _plain_tokens(row["title"] + " " + row["text"][:600]):
            for prefix in _PREFIXES:
                if token.startswith(prefix) and len(token) - len(prefix) >= 2:
                    token = token[len(prefix) :]
                    break
            if len(token) > 1:
                out.append(token)
        return out

    docs = {key: Counter(words(row)) for key, row in articles.items()}
    df = Counter(w for counts in docs.values() for w in counts)
    n = len(docs)

    def vector(counts: Counter[str]) -> dict[str, float]:
        return {w: c * math.log(n / df[w]) for w, c in counts.items()}

    vectors = {key: vector(counts) for key, counts in docs.items()}

    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        dot = sum(v * b[w] for w, v in a.items() if w in b)
        norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0

    return {p.name: cosine(vectors[p.a], vectors[p.b]) >= 0.29 for p in pairs}


def bigram_baseline(articles: dict[str, dict[str, str]], pairs: list[Pair]) -> dict[str, bool]:
    def bigrams(row: dict[str, str]) -> set[tuple[str, str]]:
        tokens = _plain_tokens(row["title"] + " " + row["text"][:900])
        return set(pairwise(tokens))

    grams = {key: bigrams(row) for key, row in articles.items()}

    def jaccard(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> float:
        return len(a & b) / len(a | b) if a | b else 0.0

    return {p.name: jaccard(grams[p.a], grams[p.b]) >= 0.20 for p in pairs}


def features(evidence: Evidence) -> list[float]:
    """The fitted terms' inputs, in the order of ``FITTED`` (the bias first)."""
    unit = Weights(**{name: 1.0 for name in FITTED}, figures_counted=2)
    terms = dict(evidence.terms(unit))
    return [terms[name if name != "figure_shared" else "figures_shared"] for name in FITTED]


def fit(rows: list[tuple[list[float], bool]], l2: float = 1.0, steps: int = 4000) -> list[float]:
    """Logistic regression by gradient descent; the bias (first input) is not regularised."""
    weights = [0.0] * len(rows[0][0])
    rate = 0.5
    for _ in range(steps):
        grad = [0.0] * len(weights)
        for x, y in rows:
            z = sum(w * v for w, v in zip(weights, x, strict=True))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            for k, v in enumerate(x):
                grad[k] += (p - float(y)) * v
        for k in range(len(weights)):
            penalty = l2 * weights[k] if k else 0.0
            weights[k] -= rate * (grad[k] + penalty) / len(rows)
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--dev", type=Path, default=here.parent / "shared" / "stories-dev")
    parser.add_argument("--fit", action="store_true", help="fit the weights on half A")
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args()
    articles, pairs = load(args.dev)
    items = story_items(articles)
    halves = {h: [p for p in pairs if p.half == h] for h in "AB"}
    print(
        f"{len(pairs)} pairs ({sum(p.same for p in pairs)} same); half A "
        f"{len(halves['A'])} ({sum(p.same for p in halves['A'])} same), half B "
        f"{len(halves['B'])} ({sum(p.same for p in halves['B'])} same)\n"
    )
    weights = DEFAULT_WEIGHTS
    if args.fit:
        evidence = evidence_of(items, halves["A"])
        fitted = fit([(features(evidence[p.name]), p.same) for p in halves["A"]], args.l2)
        weights = replace(
            DEFAULT_WEIGHTS, **{name: round(w, 2) for name, w in zip(FITTED, fitted, strict=True)}
        )
        print("fitted on half A:", ", ".join(f"{n}={getattr(weights, n)}" for n in FITTED))
        print()
    methods = {
        "marsad, pairwise": decide_pairs(items, pairs, weights),
        "marsad, incremental clustering (as a poll)": clustered(items, pairs, weights),
        "TF-IDF cosine ≥ 0.29 (baseline)": tfidf_baseline(articles, pairs),
        "word-bigram Jaccard ≥ 0.20 (baseline)": bigram_baseline(articles, pairs),
    }
    print("| method | half | precision | recall | F1 | TP/FP/FN |")
    print("|---|---|---|---|---|---|")
    for name, said in methods.items():
        for half in ("A", "B"):
            print(
                score(halves[half], said).row(
                    name, half + (" (calibration)" if half == "A" else " (check)")
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
