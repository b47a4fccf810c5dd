"""Smoke test of bench/match.py on twenty short articles written here: the generated rule file
loads, and one configuration measured end to end (fresh processes, the real `marsad match`)
fills both tables.  Nothing is timed against a number; the speed corpus is not needed."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from marsad.matching.entities import EntityKind
from marsad.matching.rulefile import load_rules

BENCH = Path(__file__).resolve().parents[1] / "bench"
SHIPPED = Path(__file__).resolve().parents[1] / "marsad" / "rules"

ARTICLES = [
    (
        "المغرب وإسبانيا يعززان التعاون الأمني",
        "استقبل السيد خالد الربيعة وفدا من الشرطة الإسبانية في الرباط لبحث التعاون الأمني ومكافحة الإرهاب.",
    ),
    (
        "وزارة الداخلية تعلن حصيلة العمليات",
        "أعلنت وزارة الداخلية المغربية تفكيك خلية إرهابية بتنسيق مع الأجهزة الإسبانية، حسب بلاغ رسمي.",
    ),
    (
        "اجتماع مجلس التعاون الخليجي",
        "ترأس الوزير سعود البوعينين اجتماع مجلس التعاون الخليجي في الرياض لمناقشة أمن الحدود.",
    ),
    (
        "هيئة الاتصالات تطلق خدمة جديدة",
        "أطلقت هيئة الاتصالات الوطنية خدمة رقمية جديدة للمواطنين في جدة والدمام.",
    ),
    (
        "زيارة رسمية إلى مدريد",
        "قام الشيخ نايف الحازمي بزيارة رسمية إلى مدريد التقى خلالها مسؤولين في الحرس المدني الإسباني.",
    ),
    (
        "مباراة ودية بين المنتخبين",
        "يلتقي المنتخب المغربي نظيره البرتغالي في مباراة ودية استعدادا لكأس العالم 2030.",
    ),
    (
        "تفكيك شبكة للاتجار بالبشر",
        "فككت المديرية العامة للأمن الوطني شبكة للاتجار بالبشر والهجرة غير الشرعية في طنجة.",
    ),
    (
        "جامعة الملك تستضيف مؤتمرا",
        "تستضيف جامعة الملك سعود مؤتمرا دوليا حول الأمن السيبراني بحضور الدكتور ماجد الطريفي.",
    ),
    (
        "حزب العدالة يعقد مؤتمره",
        "عقد حزب العدالة والتنمية مؤتمره الوطني بحضور النائب عادل العساف وعدد من القياديين.",
    ),
    (
        "تعاون قضائي مع فرنسا",
        "وقع المغرب وفرنسا مذكرة تفاهم في مجال التعاون القضائي ومكافحة الجريمة المنظمة.",
    ),
    (
        "مركز الأبحاث ينشر تقريره",
        "نشر مركز الدراسات الاستراتيجية تقريرا عن تهريب المخدرات عبر مضيق جبل طارق.",
    ),
    (
        "لقاء أمني في لشبونة",
        "التقى المستشار يوسف الكتاتني نظراءه البرتغاليين في لشبونة لتنسيق المواقف الأمنية.",
    ),
    (
        "شركة الكهرباء ترفع الأسعار",
        "أعلنت شركة الكهرباء الوطنية زيادة في الأسعار ابتداء من الشهر المقبل في القاهرة.",
    ),
    (
        "الأمم المتحدة تحذر",
        "حذرت منظمة الصحة العالمية من انتشار الوباء، ودعا الرئيس هشام الزرعوني إلى اليقظة.",
    ),
    (
        "إحباط محاولة هجرة",
        "أحبطت البحرية الملكية محاولة للهجرة غير النظامية قبالة سواحل الناظور وأنقذت ثلاثين مهاجرا.",
    ),
    (
        "وفد ألماني في الرباط",
        "استقبل السيد كريم المشهداني وفدا من الشرطة الاتحادية الألمانية لبحث تبادل المعلومات.",
    ),
    (
        "اتحاد الكرة يعين مدربا",
        "عين اتحاد الكرة المصري مدربا جديدا للمنتخب الأول بعد الخسارة أمام تونس.",
    ),
    (
        "مؤسسة خيرية توزع المساعدات",
        "وزعت مؤسسة الملك الخيرية مساعدات غذائية على الأسر المتضررة في مراكش وأكادير.",
    ),
    (
        "الإنتربول يصدر نشرة حمراء",
        "أصدرت منظمة الإنتربول نشرة حمراء بحق مطلوب في قضية غسل الأموال، وفق اللواء خالد الدهماني.",
    ),
    (
        "بنك المغرب يبقي سعر الفائدة",
        "قرر بنك المغرب الإبقاء على سعر الفائدة الرئيسي دون تغيير، وقال العميد سعود الوقيان إن الوضع مستقر.",
    ),
]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bench/match.py as a module (it imports its sibling match_entities from bench/)."""
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_match", BENCH / "match.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_match", module)  # dataclasses look it up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps({"id": f"t{i}", "title": title, "text": text}, ensure_ascii=False)
        for i, (title, text) in enumerate(ARTICLES)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_generated_entities_are_a_valid_rule_file(
    bench: ModuleType, corpus: Path, tmp_path: Path
) -> None:
    material = bench.harvest(map(bench.article_text, bench.read_lines(corpus, None)))
    assert "الربيعة" in material.family and "خالد" in material.given
    assert "الاتصالات" in material.org_words
    entities = bench.generate(40, material)
    rules = bench.generated_rules(entities)
    path = tmp_path / "generated.toml"
    path.write_text(bench.rule_file(entities, rules), encoding="utf-8")
    ruleset = load_rules([SHIPPED, path])
    generated = [e for e in ruleset.entities if e.id.startswith("gen-")]
    assert len(generated) == 40 and len(ruleset.rules) == 16 + 4
    assert {e.kind for e in generated} == {EntityKind.PERSON, EntityKind.PLACE, EntityKind.ORG}
    assert all(1 <= len(alias.split()) <= 3 for e in generated for alias in e.aliases)
    assert generated[0].file == str(path) and generated[0].line is not None


def test_one_configuration_fills_both_tables(
    bench: ModuleType, corpus: Path, tmp_path: Path
) -> None:
    lines = bench.read_lines(corpus, None)
    config = bench.Config("shipped rules", 0, (SHIPPED,))
    row = bench.measure(config, corpus, lines, tmp_path, naive_s=0.01, runs=1)
    assert row.first.articles == row.floor.articles == row.command.articles == 20
    assert row.first.entities == 51 and row.floor.keys > 1000
    assert row.first.hits > 20  # the articles name Morocco, Spain, the police, ...
    assert row.naive.articles >= 1 and row.command.peak_rss_mb > 10
    first = bench.first_pass_table([row]).splitlines()
    assert len(first) == 3 and first[2].startswith("| shipped rules | 51 | 16 |")
    assert re.search(r"\| \d+% \| \d+\.\d \| [\d,]+ \|$", first[2])
    command = bench.command_table([row]).splitlines()
    assert len(command) == 3 and command[2].startswith("| shipped rules | ")
    assert command[2].endswith("× |")


def test_missing_corpus_names_the_path(bench: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"no speed corpus at .*nowhere\.jsonl"):
        bench.read_lines(tmp_path / "nowhere.jsonl", 5)
