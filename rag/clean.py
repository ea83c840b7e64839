"""Clean the PDF export of the report into the project's corpus files.

The export (``shared/seeds/000_87186578c49e361d.txt``) has page-break splits,
ALL-CAPS headings, an INDEX with page numbers, ``**bold**`` where the PDF had
links and a numbered reference list. This module turns it into:

- ``corpus/report.md``: one ``## Title {page=N}`` heading per section, link
  anchors as ``[phrase](#ref-N)``, figure captions and photo credits marked;
- ``corpus/references.json``: the reference list as records.

It runs once per export (``python -m rag.clean SEED``); ``tests/test_clean.py``
checks that the committed files are exactly what it produces.

>>> rejoin(["...and in", "an alarming proportion."])
['...and in an alarming proportion.']
>>> inline("the docu**ment** Guide")
'the document Guide'
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TITLE = "Human Trafficking: a scourge that can be stopped"
EDITOR = "Argos, International Observatory of Migration and Human Rights"

# Targets of the export's **bold** link phrases, in the order they appear. The PDF's
# link targets were lost in the export; these follow the reference list, which is
# numbered in order of first citation. None: a link whose target is not listed.
LINK_TARGETS = [
    ("a report", 1), ("UNODC", 2), ("press release", 3), ("a report", 4),
    ("a material", 7), ("Palantir", 14), ("Pegasus software", 13), ("Polaris", 15),
    ("criminalize activists", 13), ("been used against", 16),
    ("World Day against Trafficking in Persons.", None),
]

# Names the report uses in running text for the sources of its reference list;
# the answer stage maps a quote that names one to its reference (citation chain).
ALIASES = {
    1: ["UNODC", "United Nations Office on Drugs and Crime", "UODC"],
    3: ["United Nations website"],
    4: ["IPS"],
    5: ["European Parliament", "MEPs"],
    6: ["European Commission"],
    7: ["University Justice Education Module"],
    8: ["Protocol against the Smuggling of Migrants"],
    9: ["Protocol to Prevent, Suppress and Punish Trafficking in Persons"],
    10: ["GAATW", "Global Alliance Against Trafficking in Women"],
    12: ["EFE"],
    13: ["Pegasus", "NSO Group"],
    14: ["Palantir"],
    15: ["Polaris"],
}

# Pages of sections the INDEX does not list, inferred from its order (cover 1,
# credits 2, index and summary 3; the INDEX puts the Introduction on page 4).
FRONT_PAGES = {"Cover": 1, "Credits": 2, "Contents": 3, "Summary": 3}

_END = re.compile(r"""[.!?:;"”)\]]\*?$""")
_INDEX_LINE = re.compile(r"^(.*?\D)(\d+)$")
_REF_LINE = re.compile(r"^-\s*\((\d+)\)\s*(.+)$")


def blocks(text: str) -> list[str]:
    """Split on blank lines; drop blocks that are only whitespace."""
    parts = re.split(r"\n[ \t\u00a0]*\n", text.replace("\r\n", "\n"))
    return [p.strip() for p in parts if p.strip()]


def is_heading(block: str) -> bool:
    letters = [c for c in block if c.isalpha()]
    return len(letters) > 3 and "\n" not in block and all(c.isupper() for c in letters)


def rejoin(paragraphs: list[str]) -> list[str]:
    """Join paragraphs that a page break split mid-sentence.

    A paragraph split by a page break ends without closing punctuation; the
    export also splits one paragraph at a single line break ("at a" / "minimum").
    """
    out: list[str] = []
    for p in paragraphs:
        if out and not _END.search(out[-1]) and not _is_marked(out[-1]) and not _is_marked(p):
            out[-1] = out[-1] + " " + p
        else:
            out.append(p)
    return out


def _is_marked(p: str) -> bool:
    return p.startswith(("Figure:", "Figure note:", "Photo credit:", "- "))


def inline(text: str, links: list | None = None) -> str:
    """Repair inline marks: bold inside a word is an export artifact; a bold
    phrase is a link anchor (consumed from ``links`` in order); italics go."""
    text = re.sub(r"(?<=[A-Za-z])\*\*([A-Za-z]+)\*\*", r"\1", text)

    def link(m: re.Match) -> str:
        phrase = m.group(1)
        if links is None:
            return phrase
        want, ref = links.pop(0)
        if want != phrase:
            raise ValueError(f"link {phrase!r} found where {want!r} was expected")
        return f"[{phrase}](#ref-{ref})" if ref else f"[{phrase}](#link)"

    text = re.sub(r"\*\*(.+?)\*\*", link, text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+?)\*(?![\w*])", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_index(block: str) -> list[tuple[str, int]]:
    """``Introduction4`` lines -> ``("Introduction", 4)``."""
    rows = []
    for line in block.splitlines()[1:]:
        m = _INDEX_LINE.match(line.strip())
        if m:
            rows.append((m.group(1).strip(), int(m.group(2))))
    return rows


def match_heading(heading: str, index: list[tuple[str, int]]) -> tuple[str, int | None]:
    """Find an ALL-CAPS heading in the INDEX, tolerating stray export words
    ("POWERFUL COUNTRIES COOPER ARE THE MOST TARGETED")."""
    words = set(re.findall(r"[a-z]+", heading.lower()))
    best, best_score = None, 0.0
    for title, page in index:
        tw = set(re.findall(r"[a-z]+", title.lower()))
        score = len(words & tw) / len(words | tw)
        if score > best_score:
            best, best_score = (title, page), score
    if best and best_score >= 0.6:
        return best
    return heading.capitalize(), None


def parse_reference(line: str) -> dict:
    """``- (1) UNODC. Global Report… Available at: URL`` -> a record."""
    m = _REF_LINE.match(line.strip())
    if not m:
        raise ValueError(f"not a reference line: {line!r}")
    n, rest = int(m.group(1)), m.group(2)
    body, _, where = rest.partition("Available at:")
    body = body.strip().rstrip(".").strip()
    publisher, sep, title = body.partition(". ")
    if not sep or not title:
        publisher, title = "", body
    return {"n": n, "publisher": publisher.strip(), "title": title.strip().strip('"').rstrip('.').strip(),
            "url": _repair_url(where.strip()), "aliases": ALIASES.get(n, [])}


def _repair_url(raw: str) -> str | None:
    raw = raw.rstrip(".").strip()
    domain = re.search(r"\(([\w.-]+\.[a-z]{2,})\)", raw)
    if domain and " " in raw.split("(")[0]:
        raw = domain.group(1)  # "Corporate Partnerships | Polaris (polarisproject.org)"
    raw = re.sub(r"\.\s+(?=[a-z])", ".", raw)  # "www.europarl. europa.eu"
    raw = raw.replace(" ", "%20")
    if not raw:
        return None
    return raw if raw.startswith("http") else "https://" + raw


def clean(seed: str) -> tuple[str, list[dict]]:
    """Return (report Markdown, reference records) for the export text."""
    bs = blocks(seed)
    i_index = next(i for i, b in enumerate(bs) if b == "INDEX" or b.startswith("INDEX\n"))
    index = parse_index(bs[i_index] if "\n" in bs[i_index] else bs[i_index] + "\n" + bs[i_index + 1])
    links = list(LINK_TARGETS)

    front = [b for b in bs[:i_index]]
    credits = _front_matter(front)
    sections: list[tuple[str, int | None, list[str]]] = [
        ("Cover", FRONT_PAGES["Cover"], [f"Report title: {TITLE}."]),
        ("Credits", FRONT_PAGES["Credits"], credits),
        ("Contents", FRONT_PAGES["Contents"],
         [f"- {title}: page {page}." for title, page in index]),
    ]
    references: list[dict] = []
    rest = bs[i_index + 1:] if "\n" in bs[i_index] else bs[i_index + 2:]
    for k, b in enumerate(rest):
        nxt = rest[k + 1] if k + 1 < len(rest) else ""
        if b.startswith("SUMMARY"):
            sections.append(("Summary", FRONT_PAGES["Summary"], []))
        elif b == "REFERENCES":
            title, page = match_heading(b, index)
            sections.append((title, page, []))
        elif is_heading(b):
            title, page = match_heading(b, index)
            sections.append((title, page, []))
        elif b.startswith("- ("):
            for line in b.splitlines():
                ref = parse_reference(line)
                references.append(ref)
                sections[-1][2].append(line.strip())
        elif b.startswith("Source:"):
            continue  # folded into the figure caption below
        elif nxt.startswith("Source:"):
            title = re.sub(r",\*", ",", b).strip()
            sections[-1][2].append(f"Figure: {title}. {nxt.strip()}")
        elif b.startswith("^{*}"):
            sections[-1][2].append("Figure note: " + inline(b[len("^{*}"):]))
        elif b.startswith("Photo:"):
            sections[-1][2].append("Photo credit: " + inline(b[len("Photo:"):]))
        elif b.startswith("•"):
            sections[-1][2].extend("- " + inline(x) for x in b.split("•") if x.strip())
        else:
            sections[-1][2].append(inline(b, links))
    if links:
        raise ValueError(f"link phrases not found in the export: {links}")

    out = [f"# {TITLE}", ""]
    for title, page, paras in sections:
        out += [f"## {title}" + (f" {{page={page}}}" if page else ""), ""]
        for p in rejoin(paras):
            out += [p, ""]
    return "\n".join(out).rstrip() + "\n", references


def _front_matter(front: list[str]) -> list[str]:
    """``Editor`` / ``Argos…`` label-value pairs -> ``Edited by Argos…`` lines.

    The credits page is a layout of labels and values; written as short
    sentences it can be found by a question ("Who edited this report?"):
    MiniLM puts "Editor: Argos" far from "edited", "Edited by Argos" close.
    """
    labels = {"Editor": "Edited by", "Cover design and layout": "Cover design and layout by",
              "Cover photo:": "Cover photo by"}
    out, k = [], 0
    while k < len(front):
        b = front[k]
        if b in labels and k + 1 < len(front):
            value = front[k + 1]
            if b == "Editor":
                value = EDITOR
            value = value.removeprefix("Author: ")
            out.append(f"{labels[b]} {value}.")
            k += 2
            continue
        if b.startswith("©"):
            out.append("Copyright: © " + b[1:].replace("trafficking A", "trafficking: a") + ".")
        k += 1
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m rag.clean SEED.txt CORPUS_DIR", file=sys.stderr)
        return 2
    seed, out = Path(argv[0]), Path(argv[1])
    report, refs = clean(seed.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(report, encoding="utf-8")
    (out / "references.json").write_text(json.dumps(refs, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    print(f"wrote {out / 'report.md'} and {len(refs)} references to {out / 'references.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
