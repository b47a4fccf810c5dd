"""The rule linter: each check on a small rule file, with its exact message and fix.

The rule files are the project's own, written for each case; line numbers are those of the
key that lists the name.  Frequencies come from the shipped lexicon (wordfreq's Arabic).
"""

from __future__ import annotations

from pathlib import Path

from marsad.matching.lint import Check, Finding, lint
from marsad.matching.rulefile import load_rules, parse_rules, read_rules

SHIPPED = Path(__file__).resolve().parents[2] / "marsad" / "rules"


def findings(text: str) -> list[Finding]:
    return lint(parse_rules(text, "lint.toml").entities)


def shown(text: str) -> list[str]:
    return [line for f in findings(text) for line in (f.show(), f"  fix: {f.fix}")]


def test_a_frequent_ordinary_word_of_an_organisation() -> None:
    text = '[[entity]]\nid = "ittihad"\nkind = "org"\nname = "نادي الاتحاد"\naliases = ["نادي الاتحاد", "الاتحاد"]\n'
    assert shown(text) == [
        "lint.toml:5: entity[ittihad].aliases: «الاتحاد» is a frequent ordinary word (Zipf 5.6): "
        "every one in any article counts as @ittihad",
        "  fix: list it under ambiguous with context = [...], or use a longer alias; "
        'always = ["الاتحاد"] if you mean it',
    ]


def test_a_name_the_news_repeats_is_not_an_ordinary_word() -> None:
    # داعش is as frequent as الشرطة, but is never seen with a pronoun or a plural.
    text = '[[entity]]\nid = "isis"\nkind = "org"\nname = "داعش"\n'
    assert findings(text) == []


def test_listed_under_ambiguous_or_always_the_word_is_settled() -> None:
    text = (
        '[[entity]]\nid = "ittihad"\nkind = "org"\nname = "نادي الاتحاد"\n'
        'ambiguous = ["الاتحاد"]\ncontext = ["مباراة"]\n\n'
        '[[entity]]\nid = "police"\nkind = "org"\nname = "الشرطة"\nalways = ["الشرطة"]\n'
    )
    assert findings(text) == []


def test_a_person_whose_short_name_is_a_common_word_is_told_it_is_treated_as_ambiguous() -> None:
    text = (
        '[[entity]]\nid = "hadi"\nkind = "person"\nname = "عبد ربه منصور هادي"\n'
        'aliases = ["عبد ربه منصور هادي", "هادي"]\n'
    )
    assert shown(text) == [
        "lint.toml:5: entity[hadi].aliases: «هادي» is a common word (Zipf 4.5) that shortens "
        "«عبد ربه منصور هادي»: it is treated as ambiguous and counts only where another of its "
        "names is in the same item",
        "  fix: add context = [...] with words that confirm it (a title, a place, an @entity) "
        'to count it elsewhere; always = ["هادي"] to count it alone',
    ]
    # With context words the engine has what it needs: nothing to say.
    assert findings(text + 'context = ["الرئيس"]\n') == []


def test_a_person_known_by_one_common_word_only() -> None:
    text = '[[entity]]\nid = "karim"\nkind = "person"\nname = "كريم"\n'
    assert [f.show() for f in findings(text)] == [
        "lint.toml:4: entity[karim].name: «كريم» is a frequent ordinary word (Zipf 5.1): "
        "every one in any article counts as @karim"
    ]


def test_a_capital_in_its_countrys_aliases() -> None:
    text = '[[entity]]\nid = "egypt"\nkind = "place"\nname = "مصر"\naliases = ["مصر", "القاهرة"]\n'
    assert shown(text) == [
        "lint.toml:5: entity[egypt].aliases: «القاهرة» is the capital of مصر: it mostly names "
        "the city, and the government only in some sentences",
        "  fix: list it under ambiguous with context = [...] (the verbs that make it the "
        'government: تنفي، ترفض، تعلن), or remove it; always = ["القاهرة"] if you mean it',
    ]


def test_a_capital_as_the_name_of_a_government() -> None:
    text = (
        '[[entity]]\nid = "ma-gov"\nkind = "org"\nname = "الحكومة المغربية"\n'
        'aliases = ["الحكومة المغربية", "الرباط"]\n'
    )
    assert [f.show() for f in findings(text)] == [
        "lint.toml:5: entity[ma-gov].aliases: «الرباط» is the capital of المغرب: it mostly names "
        "the city, and the government only in some sentences"
    ]


def test_places_are_frequent_because_they_are_news() -> None:
    # Countries and a city list with a capital in it (a place, not a government) say nothing.
    text = (
        '[[entity]]\nid = "egypt"\nkind = "place"\nname = "مصر"\n\n'
        '[[entity]]\nid = "spain"\nkind = "place"\nname = "إسبانيا"\n\n'
        '[[entity]]\nid = "cities"\nkind = "place"\nname = "مدن مغربية"\n'
        'aliases = ["الرباط", "طنجة", "مراكش"]\nderive = false\n\n'
        '[[entity]]\nid = "saudi"\nkind = "place"\nname = "السعودية"\n'
    )
    assert findings(text) == []


def test_a_place_that_is_an_ordinary_word() -> None:
    text = (
        '[[entity]]\nid = "jadida"\nkind = "place"\nname = "الجديدة"\nderive = false\n\n'
        '[[entity]]\nid = "oujda"\nkind = "place"\nname = "وجدة"\n'
    )
    assert [f.show() for f in findings(text)] == [
        "lint.toml:4: entity[jadida].name: «الجديدة» is also an ordinary word: «جديدة» without "
        "the article is Zipf 5.6",
        "lint.toml:10: entity[oujda].name: «وجدة» folds to «وجده», also «وجد» + the pronoun ه "
        "(Zipf 5.0): ة and ه are one letter after folding",
        "lint.toml:10: entity[oujda].name: «وجدة» derives «وجدي», also a common given name: "
        "after a given name it is left out, but alone (قال الوجدي) it still counts as @oujda",
    ]


def test_an_alias_shared_with_another_entity_is_reported_once_at_the_second() -> None:
    text = (
        '[[entity]]\nid = "dgsn"\nkind = "org"\nname = "المديرية العامة للأمن الوطني"\n'
        'aliases = ["المديرية العامة للأمن الوطني", "DGSN", "Sûreté nationale"]\n\n'
        '[[entity]]\nid = "police"\nkind = "org"\nname = "البوليس"\n'
        'aliases = ["البوليس", "DGSN", "المديرية العامة للأمن الوطني"]\n'
    )
    assert shown(text) == [
        "lint.toml:11: entity[police].aliases: «DGSN» is also a name of @dgsn (lint.toml:1) "
        "(and 1 more: «المديرية العامة للأمن الوطني»): a mention counts for both",
        "  fix: remove it from one of them (a rule can name both: @dgsn OR @police); keep it "
        "if a mention should count for both",
    ]


def test_a_name_another_entity_derives() -> None:
    text = (
        '[[entity]]\nid = "morocco"\nkind = "place"\nname = "المغرب"\n\n'
        '[[entity]]\nid = "moroccans"\nkind = "topic"\nname = "الجالية"\n'
        'aliases = ["الجالية", "المغاربة المقيمون", "مغربية"]\n'
    )
    assert shown(text) == [
        "lint.toml:10: entity[moroccans].aliases: «مغربية» is also caught by @morocco "
        "(lint.toml:1) as a form of «المغرب»: a mention counts for both",
        '  fix: exclude = ["مغربية"] on @morocco if it is not one of its forms, or remove it here',
    ]


def test_a_common_word_inside_another_entitys_name() -> None:
    text = (
        '[[entity]]\nid = "eu"\nkind = "org"\nname = "الاتحاد الأوروبي"\n\n'
        '[[entity]]\nid = "au"\nkind = "org"\nname = "الاتحاد الإفريقي"\n\n'
        '[[entity]]\nid = "ittihad"\nkind = "org"\nname = "الاتحاد"\nalways = ["الاتحاد"]\n'
    )
    assert shown(text) == [
        "lint.toml:14: entity[ittihad].name: «الاتحاد» is found inside 2 names of 2 other "
        "entities, as «الاتحاد الأوروبي» of @eu (lint.toml:1): each mention of those also "
        "counts as @ittihad",
        '  fix: exclude = ["الاتحاد الأوروبي", "الاتحاد الإفريقي"] on @ittihad if it should '
        "not count there, or use a longer alias",
    ]
    excluded = text + 'exclude = ["الاتحاد الأوروبي", "الاتحاد الإفريقي"]\n'
    assert findings(excluded) == []


def test_a_rare_name_inside_a_longer_one_is_the_same_thing() -> None:
    text = (
        '[[entity]]\nid = "interpol"\nkind = "org"\nname = "الإنتربول"\n\n'
        '[[entity]]\nid = "assembly"\nkind = "topic"\nname = "الجمعية العامة للإنتربول"\n\n'
        '[[entity]]\nid = "spain"\nkind = "place"\nname = "إسبانيا"\n\n'
        '[[entity]]\nid = "guardia"\nkind = "org"\nname = "الحرس المدني الإسباني"\n'
    )
    assert findings(text) == []


def test_a_nisba_that_is_a_family_name() -> None:
    text = '[[entity]]\nid = "fes"\nkind = "place"\nname = "فاس"\n'
    assert shown(text) == [
        "lint.toml:4: entity[fes].name: «فاس» derives «فاسي», also a common family name "
        "(الفاسي): after a given name it is left out, but alone (قال الفاسي) it still counts "
        "as @fes",
        "  fix: derive = false (and list under forms the adjectives you want), or exclude = "
        "[...] the full names you meet",
    ]
    assert findings(text + "derive = false\n") == []


def test_a_nisba_in_the_name_of_a_person_of_the_same_rules() -> None:
    text = (
        '[[entity]]\nid = "mansoura"\nkind = "place"\nname = "المنصورة"\n\n'
        '[[entity]]\nid = "nabil"\nkind = "person"\nname = "نبيل العمراني"\n\n'
        '[[entity]]\nid = "amran"\nkind = "place"\nname = "عمران"\nforms = ["ياسين"]\n'
    )
    assert [f.show() for f in findings(text)] == [
        "lint.toml:4: entity[mansoura].name: «المنصورة» derives «منصوري», also a common family "
        "name (المنصوري): after a given name it is left out, but alone (قال المنصوري) it still "
        "counts as @mansoura",
        "lint.toml:14: entity[amran].name: «عمران» derives «عمراني», also in the name of @nabil "
        "(نبيل العمراني): after a given name it is left out, but alone (قال العمراني) it still "
        "counts as @amran",
        "lint.toml:15: entity[amran].forms: «ياسين» is also a common given name: alone it may "
        "name a person, not @amran",
    ]


def test_an_inflection_that_is_another_word() -> None:
    text = '[[entity]]\nid = "drugs"\nkind = "topic"\nname = "الهيروين"\naliases = ["الهيروين"]\n'
    assert shown(text) == [
        "lint.toml:5: entity[drugs].aliases: «الهيروين» also catches «هيرو» (Zipf 3.7), a word "
        "of its own far commoner than «هيروين» (2.7)",
        '  fix: exclude = ["هيرو"] if it is another word, or list the form differently',
    ]
    [finding] = findings(text)
    assert (finding.check, finding.form) == (Check.INFLECTION, "هيرو")


def test_a_context_word_in_every_article() -> None:
    text = (
        '[[entity]]\nid = "abbas"\nkind = "person"\nname = "محمود عباس"\n'
        'ambiguous = ["عباس"]\ncontext = ["الرئيس", "قال", "رام الله"]\nnear = 6\n'
    )
    assert shown(text) == [
        "lint.toml:6: entity[abbas].context: «قال» is a very common word (Zipf 6.0): it is in "
        "nearly every article, so any name of @abbas it stands within 6 words of counts, "
        "whatever its sense",
        "  fix: use a phrase only this sense uses, or a rarer word",
    ]


def test_findings_name_the_line_of_the_key_in_a_multi_line_table(tmp_path: Path) -> None:
    path = tmp_path / "beat.toml"
    path.write_text(
        '# the beat\n[[entity]]\nid = "cities"\nkind = "place"\nname = "مدن"\n'
        'aliases = [\n  "طنجة",\n  "وجدة",\n]\nderive = false\n',
        encoding="utf-8",
    )
    [finding] = lint(load_rules([path]).entities)
    assert (finding.file, finding.line, finding.key) == (str(path), 6, "aliases")


def test_the_entities_of_a_file_with_errors_can_still_be_reviewed(tmp_path: Path) -> None:
    path = tmp_path / "beat.toml"
    path.write_text(
        '[[entity]]\nid = "oujda"\nkind = "place"\nname = "وجدة"\n\n'
        '[[entity]]\nid = "x"\nkind = "city"\nname = "س"\n',
        encoding="utf-8",
    )
    ruleset, problems = read_rules([path])
    assert [p.show() for p in problems] == [
        f"{path}:8: entity[x].kind: 'city' is not a kind (one of person | org | place | topic)"
    ]
    assert [(f.check, f.alias) for f in lint(ruleset.entities)] == [
        (Check.FREQUENT, "وجدة"),
        (Check.NAME, "وجدة"),  # وجدي, a given name
    ]


def test_the_shipped_rules_give_a_few_findings_each_worth_a_look() -> None:
    ruleset = load_rules([SHIPPED])
    found = lint(ruleset.entities)
    assert sorted((f.check.value, f.entity, f.alias) for f in found) == [
        ("contained-alias", "police", "الشرطة"),  # inside 11 names of other police bodies
        ("frequent-word", "morocco-cities", "وجدة"),  # folds to وجده "he found him"
        ("frequent-word", "police", "الشرطة"),
        ("frequent-word", "police", "شرطي"),  # also "conditional"
        ("inflection", "drugs", "الهيروين"),  # هيرو
        ("shared-alias", "gendarmerie", "الدرك الملكي"),  # also royal-gendarmerie's
        ("shared-alias", "police", "المديرية العامة للأمن الوطني"),  # DGSN is the police
    ]
