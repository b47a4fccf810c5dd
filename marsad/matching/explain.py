"""Explanations a person reads: each hit in its context, and why each rule fired.

Pure formatting over a Matcher's results.  Highlights are «…» guillemets by default (they
survive copy-paste and right-to-left display) or ANSI bold when writing to a terminal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from marsad.matching.engine import (
    FIELDS,
    Key,
    Matcher,
    MatchInput,
    MatchResult,
    Span,
    evaluate,
    leaf_key,
)
from marsad.matching.lexicon import zipf
from marsad.matching.normalise import normalise
from marsad.matching.query import And, EntityRef, Near, Node, Not, Term
from marsad.matching.recognise import Hit

BOLD, RESET = "\x1b[1m", "\x1b[0m"
CHECK = "✓"


def marks(ansi: bool) -> tuple[str, str]:
    """Opening and closing highlight marks."""
    return (BOLD, RESET) if ansi else ("«", "»")


def _flat(text: str) -> str:
    return " ".join(text.split())


def context(text: str, start: int, end: int, width: int = 50, ansi: bool = False) -> str:
    """One line: up to ``width`` characters either side of ``text[start:end]``, highlighted."""
    left, right = marks(ansi)
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return (
        ("…" if start > width else "")
        + _flat(before).lstrip()
        + (" " if before[-1:].isspace() else "")
        + left
        + text[start:end]
        + right
        + (" " if after[:1].isspace() else "")
        + _flat(after).rstrip()
        + ("…" if end + width < len(text) else "")
    )


def highlight(text: str, spans: Sequence[tuple[int, int]], ansi: bool = False) -> str:
    """``text`` with every (start, end) span marked; overlapping spans are merged."""
    left, right = marks(ansi)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        out.append(text[position:start] + left + text[start:end] + right)
        position = end
    out.append(text[position:])
    return "".join(out)


def describe_hit(hit: Hit, matcher: Matcher) -> str:
    """``@id (name) via alias 'x', exact`` or ``word 'x', fuzzy (distance 1)``."""
    how = f"fuzzy, distance {hit.distance}" if hit.fuzzy else "exact"
    if hit.is_entity:
        entity = matcher.entities.get(hit.key)
        name = f" ({entity.name})" if entity else ""
        return f"@{hit.key}{name} via alias «{hit.alias}», {how}"
    return f"word «{hit.key}», {how}"


def annotate(node: Node, present: dict[Key, list[Span]], top: bool = True) -> str:
    """The query with a ✓ after every leaf the item contains."""
    if isinstance(node, Term | EntityRef):
        key: Key = leaf_key(node)
        text = f"@{node.id}" if isinstance(node, EntityRef) else node.text
        if isinstance(node, Term) and (node.quoted or " " in node.text):
            text = f'"{text}"'
        return text + (f" {CHECK}" if key in present else "")
    if isinstance(node, Not):
        return f"NOT {annotate(node.operand, present, False)}"
    if isinstance(node, Near):
        inner = (
            f"{annotate(node.left, present, False)} NEAR/{node.distance} "
            f"{annotate(node.right, present, False)}"
        )
    elif isinstance(node, And):
        inner = " AND ".join(annotate(child, present, False) for child in node.operands)
    else:
        # An OR shows only its branches that hold (and how many others there are), so a
        # long list of alternatives stays readable; with none holding it shows them all.
        true = [child for child in node.operands if evaluate(child, present)]
        shown = true or list(node.operands)
        inner = " OR ".join(annotate(child, present, False) for child in shown)
        if true and len(true) < len(node.operands):
            inner += f" OR … {len(node.operands) - len(true)} more"
    return inner if top else f"({inner})"


def present_of(hits: Sequence[Hit]) -> dict[Key, list[Span]]:
    """Hits indexed the way the engine evaluates them."""
    present: dict[Key, list[Span]] = defaultdict(list)
    for hit in hits:
        present[(hit.is_entity, hit.key)].append((hit.field, hit.token_start, hit.token_end))
    return present


def recognised(matcher: Matcher, item: MatchInput) -> list[Hit]:
    """Every hit of the recogniser in the item, before ambiguous names are judged."""
    return [
        hit
        for name in FIELDS
        if getattr(item, name)
        for hit in matcher.recogniser.find(getattr(item, name), name)
    ]


def _words(gap: int) -> str:
    return f"{gap} word{'s' if gap != 1 else ''} away"


def _gap(a: Hit, b: Hit) -> int:
    """Words between two hits' nearer ends, as the matcher counts them (neighbours: 1)."""
    return max(a.token_start - (b.token_end - 1), b.token_start - (a.token_end - 1), 0)


def ambiguity(matcher: Matcher, hit: Hit, found: Sequence[Hit], counted: bool) -> str:
    """Why an ambiguous name's hit counted or not: ``ambiguous (context: …): counted, «الرئيس»
    2 words away`` or ``… not counted: no context word within 8 words``.

    ``found`` are the recogniser's hits in the item, ``counted`` whether the matcher kept
    this one (the verdict is the matcher's; this says which word or name decided it).
    """
    entity = matcher.entities.get(hit.key)
    ctx = matcher.context_of(hit.key)
    if entity is not None and hit.alias not in entity.ambiguous:
        why = f"a common word, Zipf {zipf(normalise(hit.alias)):.1f}; "
    else:
        why = ""
    if ctx is None or entity is None:
        head = f"ambiguous ({why}no context words)"
    else:
        shown = list(entity.context[:6]) + (["…"] if len(entity.context) > 6 else [])
        head = f"ambiguous ({why}context: {'، '.join(shown)}; near {ctx.near})"
    plain = [other for other in found if not other.guarded]
    named = next((o for o in plain if o.is_entity and o.key == hit.key), None)
    if named is not None:
        reason = f"@{hit.key} is also named «{named.surface}»"
        return f"{head}: " + (f"counted, {reason}" if counted else "not counted")
    near: list[tuple[int, Hit]] = []
    title: Hit | None = None
    for other in plain:
        if ctx is None or (other.is_entity, other.key) not in ctx.keys:
            continue
        if other.field == hit.field:
            near.append((_gap(hit, other), other))
        elif other.field == "title" and title is None:
            title = other
    near.sort(key=lambda pair: (pair[0], pair[1].start))
    if counted:
        if near and near[0][0] <= (ctx.near if ctx else 0):
            return f"{head}: counted, «{near[0][1].surface}» {_words(near[0][0])}"
        if title is not None:
            return f"{head}: counted, «{title.surface}» in the title"
        return f"{head}: counted"
    if ctx is None:
        return f"{head}: not counted: @{hit.key} is not named another way in the item"
    reason = f"not counted: no context word within {ctx.near} words"
    if near:
        reason += f" (nearest: «{near[0][1].surface}», {_words(near[0][0])})"
    return f"{head}: {reason}"


def explain(
    matcher: Matcher,
    item: MatchInput,
    result: MatchResult,
    ansi: bool = False,
    why_not: Sequence[str] = (),
) -> str:
    """The full explanation of one item: hits in context, then the rules and queries that fired.

    ``why_not`` names rules to show even when they did not fire, with a ✓ after the parts the
    text satisfies, so the missing part stands out.
    """
    lines: list[str] = []
    found = recognised(matcher, item)
    kept = set(result.hits)
    dropped = [hit for hit in found if hit.guarded and hit not in kept]
    by_field: dict[str, list[Hit]] = defaultdict(list)
    for hit in sorted((*result.hits, *dropped), key=lambda h: (h.start, -h.end, h.key)):
        by_field[hit.field].append(hit)
    if not result.hits and not dropped:
        lines.append("no hits: no entity and no rule word appears in this text.")
    for name in FIELDS:
        hits = by_field.get(name, [])
        if not hits:
            continue
        text: str = getattr(item, name)
        counted = sum(hit in kept for hit in hits)
        head = f"{name}: {counted} hit{'s' if counted != 1 else ''}"
        lines.append(head + (f", {len(hits) - counted} not counted" if counted < len(hits) else ""))
        for hit in hits:
            lines.append(
                f"  [{hit.start}:{hit.end}] «{hit.surface}» → {describe_hit(hit, matcher)}"
            )
            lines.append(f"      {context(text, hit.start, hit.end, ansi=ansi)}")
            if hit.guarded:
                lines.append(f"      {ambiguity(matcher, hit, found, hit in kept)}")
    present = present_of(result.hits)
    fired = [*result.rules, *result.queries]
    for heading, idents in (("rules fired:", result.rules), ("queries fired:", result.queries)):
        if idents:
            lines.append(heading)
        for ident in idents:
            rule = matcher.rules.get(ident)
            head = f"  {ident}" + (f" [{rule.severity}] {rule.title}" if rule else "")
            lines.append(head)
            lines.append(f"      {annotate(matcher.compiled(ident).node, present)}")
    if not result.rules and matcher.rules:
        lines.append("no rule fired.")
    for ident in why_not:
        if ident in fired:
            continue
        compiled = matcher.compiled(ident)
        reason = "not fired"
        if compiled.sources:
            reason += f" (limited to sources {', '.join(sorted(compiled.sources))})"
        lines.append(f"{ident}: {reason}")
        lines.append(f"      {annotate(compiled.node, present)}")
    return "\n".join(lines)
