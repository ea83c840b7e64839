"""Talking points on the real report (issue #11): whole quotations with their speaker,
no bullet leaning on a pronoun it does not resolve, sources named next door, section and
topic together, global figures first, clean text to paste."""
from __future__ import annotations

import re

import pytest

from rag.chunk import Sentence
from rag.cite import with_article
from ui import points
from ui.service import Service


@pytest.fixture(scope="module")
def service(pipeline, tmp_path_factory):
    return Service(pipeline, tmp_path_factory.mktemp("points-data"), verify_examples=False)


def section(service, title: str) -> int:
    return next(i for i, s in enumerate(service.sections) if s.title.startswith(title))


def flat(text: str) -> str:
    return " ".join(text.split())


def inside_quotation(report: str, offset: int) -> bool:
    """Does ``offset`` fall inside a quotation of its paragraph (an odd number of marks before it)?"""
    para = report.rfind("\n\n", 0, offset) + 2
    return report[para:offset].count('"') % 2 == 1


def direct_speech(text: str) -> bool:
    """A quotation that opens the bullet or one of its sentences ('"We know…," Canessa told IPS.')."""
    return bool(re.match(r'\s*["“]', text) or re.search(r'[.!?:]\s+["“]', text))


# ---------------------------------------------------------------- every section

def test_every_section_keeps_quotations_whole_attributed_and_free_of_dangling_pronouns(service):
    report, bullets = service.report.text, 0
    for i, sec in enumerate(service.sections):
        if sec.title in points.SKIP_SECTIONS:
            continue
        tp = service.talking_points(i)
        assert 1 <= len(tp.points) <= points.MAX_POINTS, sec.title
        for p in tp.points:
            bullets += 1
            assert flat(p.text) in flat(report), "a bullet is the report's own words, in one piece"
            assert points.balanced(p.text), f"split quotation in {sec.title!r}: {p.text}"
            assert not inside_quotation(report, p.start), f"starts inside a quotation: {p.text}"
            assert not inside_quotation(report, p.end), f"ends inside a quotation: {p.text}"
            assert not points.needs_referent(p.text), f"unresolved pronoun: {p.text}"
            assert not re.match(r"(they|these|this|he|she|those)\b", p.text, re.I), p.text
            if direct_speech(p.text):
                who = points.speaker(p.text)
                assert who, f"a quotation without its speaker: {p.text}"
                named_before = not re.match(r'\s*["“]', p.text)
                assert not re.fullmatch(r"he|she|they|it", who, re.I) or named_before, p.text
    assert bullets >= 40  # 10 sections, 3-8 bullets each (54 on the report today)


def test_no_unit_of_the_report_splits_a_quotation_or_leans_on_a_pronoun(service):
    """Every unit a bullet can be made of, over the whole report, not only the chosen ones."""
    sents, units = service._point_units()
    for u in units:
        assert points.balanced(u.text) and not points.needs_referent(u.text), u.text
        assert not inside_quotation(service.report.text, u.start), u.text
    # The GAATW story is one quotation of six sentences (119 words): none of it may pose
    # as the report's own unattributed words.
    assert not any("The migrants were charged with illegal entry" in u.text and "GAATW" not in u.text
                   for u in units)


def test_the_waly_and_canessa_quotations_come_whole_with_their_speakers(service):
    tp = service.talking_points(section(service, "Powerful countries"))
    waly = [p.text for p in tp.points if "Millions of women, children and men" in p.text]
    assert len(waly) == 1
    assert "Ghada Waly" in waly[0] and "exploit the vulnerable,\" he said" in waly[0]
    assert waly[0].startswith("In this context, UNODC Executive Director Ghada Waly")
    canessa = [p.text for p in tp.points if "We know that the United States" in p.text]
    assert len(canessa) == 1 and "We also know" in canessa[0] and canessa[0].endswith("Canessa told IPS.")
    assert sum("We also know that the majority" in p.text for p in tp.points) == 1


def test_a_pronoun_bullet_carries_the_sentence_that_names_its_referent(service):
    tp = service.talking_points(None, "children")
    urged = [p.text for p in tp.points if "They also urged" in p.text]
    assert urged and all(t.startswith("For this reason") and "the MEPs demanded" in t for t in urged)


# ---------------------------------------------------------------- sources, topics, order

def test_the_footnote_names_a_source_named_in_the_sentence_before(service):
    tp = service.talking_points(section(service, "Trafficking and smuggling"))
    n, p = next((n, p) for n, p in enumerate(tp.points, start=1) if p.text.startswith("Generally, \"persons"))
    assert p.source_publisher == "UNODC"  # "…, according to UNODC, are carried out…" just before it
    note = next(line for line in tp.markdown_footnotes.splitlines() if line.startswith(f"[^{n}]:"))
    assert "Source cited by the report: UNODC, reference (1)" in note


def test_a_topic_within_a_section_is_found_there_or_said_plainly(service):
    intro = section(service, "Introduction")
    tp = service.talking_points(intro, "children")
    assert tp.points and all(p.section == "Introduction" for p in tp.points)
    assert "Introduction" in tp.heading and "children" in tp.heading and "only" in tp.note
    assert any("(19%)" in p.text for p in tp.points)
    off = service.talking_points(intro, "football")
    assert not off.points and "football" in off.note and "doesn’t cover" in off.note
    assert "was not used" in off.note  # the section is named too: nothing silently replaced
    elsewhere = service.talking_points(section(service, "A day for conscience"), "Cuba")
    assert "has nothing on “Cuba”" in elsewhere.note and "whole report" in elsewhere.note
    assert elsewhere.points and any("Cuba" in p.text for p in elsewhere.points)


def test_global_shares_come_before_regional_ones(service):
    tp = service.talking_points(None, "children")
    texts = [p.text for p in tp.points]
    girls = next(i for i, t in enumerate(texts) if "two are girls (19%)" in t)
    boys = next(i for i, t in enumerate(texts) if "15%, are boys" in t)
    europe = next(i for i, t in enumerate(texts) if "22%" in t and "European Commission" in t)
    assert girls < europe and boys < europe
    ranks = [points.figure_rank(t) for t in texts]
    assert ranks == sorted(ranks)


# ---------------------------------------------------------------- what staff paste

def test_copy_text_is_clean_and_the_download_keeps_footnotes(service):
    tp = service.talking_points(None, "children")
    text = tp.text
    assert text.startswith("Talking points: children\n") and text.count("\n• ") == len(tp.points)
    assert "##" not in text and "](" not in text and "[^" not in text and "\\" not in text and "_Quoted" not in text
    assert "the report cites the European Commission, reference (6)" in text
    assert "https://ec.europa.eu/" in text  # the link written out
    foot = tp.markdown_footnotes
    assert foot.startswith("## Talking points: children")
    assert all(f"[^{n}]:" in foot for n in range(1, len(tp.points) + 1))
    # no list dash or nested double quotes inside a bullet's quotation marks
    for line in text.splitlines():
        if line.startswith("• “"):
            body = line[3:line.index("” (“")]
            assert not body.startswith(("-", "–")) and '"' not in body and "“" not in body, line


def test_publishers_take_the_article_they_need():
    import json
    from pathlib import Path

    refs = json.loads((Path(__file__).parent.parent / "corpus" / "references.json").read_text(encoding="utf-8"))
    got = {r["publisher"]: with_article(r["publisher"]) for r in refs if r["publisher"]}
    assert got["European Commission"] == "the European Commission"
    assert got["European Parliament"] == "the European Parliament"
    assert got["United Nations"] == "the United Nations"
    for acronym in ("UNODC", "IPS", "GAATW", "EFE"):
        assert got[acronym] == acronym
    assert got["Aristegui Noticias"] == "Aristegui Noticias"


# ---------------------------------------------------------------- the mechanism, on made-up text

def sentences(*paragraphs: str) -> tuple[list[Sentence], str]:
    """Sentences of made-up paragraphs (one list per paragraph), with the text they come from."""
    text, out = "", []
    for para in paragraphs:
        text += "\n\n" if text else ""
        for k, s in enumerate(para):
            text += " " if k else ""
            out.append(Sentence(str(len(out)), "d", "S", 1, len(text), len(text) + len(s), s))
            text += s
    return out, text


def test_a_quotation_never_closed_in_its_paragraph_makes_no_point():
    ss, text = sentences(['The agency said the two are "overlapping phenomena on a continuum.',
                          "That is, in many cases, the former precedes the latter."],
                         ["Trafficking in persons is often confused with smuggling of migrants."])
    units = points.build_units(ss, text)
    assert [u.text for u in units] == ["Trafficking in persons is often confused with smuggling of migrants."]


def test_a_bare_quotation_takes_the_sentence_that_names_its_speaker():
    ss, text = sentences(['"We reject this defamatory campaign against our country and its doctors."',
                          "said the Cuban Foreign Ministry in a statement on Friday."])
    (u,) = points.build_units(ss, text)
    assert u.core == (0, 1) and points.speaker(u.text) == "the Cuban Foreign Ministry in a statement on Friday"


def test_a_caption_between_gives_a_pronoun_no_referent():
    ss, text = sentences(["The rest (another 6%) is destined for organ trafficking and forced marriage."],
                         ["Figure: Detailed forms of exploitation among detected trafficking victims."],
                         ["It also states that 148 countries detected around 50,000 victims."])
    assert [u.core for u in points.build_units(ss, text)] == [(0,)]  # a caption is no point either


def test_a_pronoun_bullet_over_the_word_cap_is_left_out():
    first = "The status of the protocol " + "and its many ratifications " * 13 + "is complex."  # 59 words
    second = "They " + "waited for years " * 10 + "before acting."  # 33 words
    ss, text = sentences([first, second, "This is why the countries took six years to ratify it."])
    units = points.build_units(ss, text)
    merged = [u for u in units if u.core == (2,)]
    assert merged and merged[0].first == 0 and len(merged[0].text.split()) > points.MAX_POINT_WORDS
    assert merged and points.select_points([points.Candidate(merged[0].text, "S", 1, 1.0)], n_min=1) == []
