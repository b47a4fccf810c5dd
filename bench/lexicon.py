"""Benchmark: forms of the word-frequency lexicon, for the choice of the shipped one.

Each form holds the same words and values as the shipped data/lexicon.bin and is built in a
temporary folder; then, each in a fresh process: the CPU seconds to load it, how much the
load and the lookups add to the process's peak RSS, and the CPU microseconds per lookup of every
folded token of the first --articles articles of ../shared/speed-corpus/articles.jsonl (each
article once, tokens in text order, as story comparison looks them up).  Forms:
  * marisa-trie + values (shipped): one file, the trie and a 16-bit value per word;
  * sorted array: the words sorted in one UTF-8 buffer, offsets and values in arrays,
    binary search in Python;
  * dict: the same buffer split into a Python dict at load;
  * SQLite: a WITHOUT ROWID table (word PRIMARY KEY, centibels), one SELECT per lookup;
  * baseline: wordfreq's Arabic list folded into a dict at first use, as before the file.
Sizes are the file's bytes and gzip -9 of it (about what git and a wheel store).

    python3 bench/lexicon.py [--articles 2000] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import array
import gzip
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "speed-corpus" / "articles.jsonl"

CHILD = """\
import array, bisect, json, resource, sqlite3, sys, time
from pathlib import Path
from marsad.matching.normalise import normalise
form, folder, corpus, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
tokens = []
with open(corpus, encoding="utf-8") as lines:
    for _, line in zip(range(count), lines):
        article = json.loads(line)
        tokens += normalise(article["title"] + " " + article["text"]).split()
clock = time.process_time
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = clock()
if form == "marisa":
    from marsad.matching.lexicon_file import read
    found = read(folder / "lexicon.bin")
    get = found.centibels
elif form == "sorted":
    blob = (folder / "words.bin").read_bytes()
    offsets = array.array("I"); offsets.frombytes((folder / "offsets.bin").read_bytes())
    values = array.array("H"); values.frombytes((folder / "values.bin").read_bytes())
    count = len(values)
    def get(word):
        key = word.encode()
        low, high = 0, count
        while low < high:
            mid = (low + high) // 2
            if blob[offsets[mid]:offsets[mid + 1]] < key:
                low = mid + 1
            else:
                high = mid
        if low < count and blob[offsets[low]:offsets[low + 1]] == key:
            return values[low]
        return None
elif form == "dict":
    words = (folder / "lines.bin").read_bytes().decode().split("\\n")
    values = array.array("H"); values.frombytes((folder / "values.bin").read_bytes())
    table = dict(zip(words, values))
    get = table.get
elif form == "sqlite":
    db = sqlite3.connect(f"file:{folder / 'lexicon.sqlite'}?mode=ro", uri=True)
    query = "SELECT cb FROM lexicon WHERE word = ?"
    def get(word):
        row = db.execute(query, (word,)).fetchone()
        return row[0] if row else None
else:
    from marsad.matching.lexicon_build import folded_arabic
    table = folded_arabic()
    get = table.get
get("x")
loaded = clock()
for token in tokens:
    get(token)
done = clock()
print(json.dumps({"load": loaded - start, "lookup_us": (done - loaded) / len(tokens) * 1e6,
                  "tokens": len(tokens),
                  "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
"""

FORMS = {
    "marisa": "marisa-trie + values (shipped)",
    "sorted": "sorted array, binary search",
    "dict": "dict built at load",
    "sqlite": "SQLite",
    "baseline": "baseline: wordfreq folded at first use",
}


def build_forms(folder: Path) -> None:
    """Write every form of the shipped lexicon into ``folder``; the files of each form."""
    from marsad.matching.lexicon import DATA
    from marsad.matching.lexicon_file import read

    pairs = sorted(read(DATA).items(), key=lambda pair: pair[0].encode())
    (folder / "lexicon.bin").write_bytes(DATA.read_bytes())
    encoded = [word.encode() for word, _ in pairs]
    offsets = array.array("I", [0])
    for word in encoded:
        offsets.append(offsets[-1] + len(word))
    (folder / "words.bin").write_bytes(b"".join(encoded))
    (folder / "offsets.bin").write_bytes(offsets.tobytes())
    (folder / "values.bin").write_bytes(array.array("H", [v for _, v in pairs]).tobytes())
    # The dict form reads the same words separated by line breaks.
    (folder / "lines.bin").write_bytes(b"\n".join(encoded))
    db = sqlite3.connect(folder / "lexicon.sqlite")
    db.execute("CREATE TABLE lexicon (word TEXT PRIMARY KEY, cb INTEGER) WITHOUT ROWID")
    db.executemany("INSERT INTO lexicon VALUES (?, ?)", pairs)
    db.commit()
    db.execute("VACUUM")
    db.close()


def form_files(folder: Path) -> dict[str, list[Path]]:
    """The files of each form in ``folder``."""
    return {
        "marisa": [folder / "lexicon.bin"],
        "sorted": [folder / "words.bin", folder / "offsets.bin", folder / "values.bin"],
        "dict": [folder / "lines.bin", folder / "values.bin"],
        "sqlite": [folder / "lexicon.sqlite"],
        "baseline": [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:  # the forms are built in a process of their own (below)
        build_forms(args.build)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="marsad-lexicon-") as name:
        folder = Path(name)
        # Built in another process: a child's peak RSS counts the process it is forked from,
        # so this one stays small.
        build = [sys.executable, str(Path(__file__).resolve()), "--build", str(folder)]
        subprocess.run(build, check=True, cwd=ROOT)
        files = form_files(folder)
        for form, label in FORMS.items():
            argv = [sys.executable, "-c", CHILD, form, str(folder), str(args.corpus)]
            done = subprocess.run(
                [*argv, str(args.articles)], capture_output=True, text=True, check=True, cwd=ROOT
            )
            found = json.loads(done.stdout)
            size = sum(path.stat().st_size for path in files[form])
            packed = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files[form])
            rows.append((label, size, packed, found))
    tokens = rows[0][3]["tokens"]
    print(f"{args.articles:,} articles, {tokens:,} folded tokens; CPU time, fresh process each:\n")
    print("| form | file MB | gzip MB | load s | lookup µs | RSS added MB |")
    print("|---|---|---|---|---|---|")
    for label, size, packed, found in rows:
        sizes = f"{size / 1e6:.1f} | {packed / 1e6:.1f}" if size else "- | -"
        print(
            f"| {label} | {sizes} | {found['load']:.3f} | {found['lookup_us']:.2f} | "
            f"{found['rss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
