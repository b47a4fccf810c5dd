"""Arabic given names, to tell a person's name from the place or person a word also names.

A nisba after a given name is a family name (أحمد المصري is a man, not Egypt); a family name
after another given name is another person (هشام مرسي is not Mohamed Morsi); a word after
بن/ابن is a father's name. The list holds common given names of the Arab world, folded
(normalise.fold), written here in their usual spelling. No library ships such a list.
"""

from __future__ import annotations

from marsad.matching.normalise import normalise

# Only names that are not also ordinary words, once folded: سعيد "happy", كريم "generous",
# أمل "hope", العربي "Arab" before a nisba are words, not people, and علي is also على "on",
# يحيى يحيي "he greets", ليلى ليلي "nightly", سلمى سلمي "peaceful".
_MALE = """
محمد أحمد محمود مصطفى عمر عثمان حسن حسين خالد سعد سعود فهد فيصل عبدالله عبدالرحمن عبدالعزيز
عبدالكريم عبداللطيف عبدالرحيم عبدالمجيد عبدالسلام عبدالقادر عبدالحميد عبدالإله عبدالفتاح
عبدالحكيم عبدالوهاب عبدالرزاق عبدالمالك عبدالناصر عبدالغني عبدالحق عبدالواحد عبدالجليل
عبدالصمد عبدالهادي عبدالعالي إبراهيم إسماعيل يوسف يونس يعقوب موسى عيسى داود سليمان سلمان
صلاح طارق طلال طه ياسر ياسين هشام هاني هيثم وليد وائل مازن مراد منصور مهدي نزار عماد
عمرو عصام علاء رامي زكريا زياد زيد سامي سمير بشير بلال جمال جلال جعفر جواد حاتم حامد
حمزة حمدي حسام حازم خليل كمال لطفي لؤي مجدي مروان مصعب معاذ نجيب نعيم هارون وجدي وسيم أنس أيمن
أسامة أشرف إدريس ادريس إلياس توفيق تامر حسني ريان زهير سفيان شادي صبري عدنان عرفات غسان فادي
فتحي فراس فؤاد لحسن امحمد مولاي
"""
_FEMALE = """
فاطمة عائشة خديجة مريم زينب هند رانيا رنا سميرة سعاد سناء شيماء
عبير غادة لمياء ميساء نجلاء سمر
شيرين فدوى مروة نهاد
"""

GIVEN_NAMES: frozenset[str] = frozenset(normalise(name) for name in (_MALE + _FEMALE).split())
# Words that make the next word a father's or ancestor's name.
FATHER_MARKERS: frozenset[str] = frozenset({"بن", "ابن", "بنت", "ابنه"})
