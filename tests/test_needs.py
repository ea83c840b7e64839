"""What an answer must satisfy (rag/needs.py), and the judge checking it for every
question: off-topic questions that name something the report names, the bot's own
opinion or advice, names the report never uses typed in lower case, and greetings
are refused with the unmet requirement named; synonyms of the report's words still answer."""
from __future__ import annotations

import numpy as np
import pytest

from eval import metamorphic
from rag.needs import needs_of
from rag.read import unfill

IDF = {"cuba": 2.9, "polici": 3.2, "human": 1.2, "traffick": 0.5, "victim": 1.5, "protocol": 2.3, "ratifi": 4.0}


@pytest.mark.parametrize("question, stance", [
    ("what do you think about the us policy on trafficking", "opinion"),
    ("What's your opinion of Cuba?", "opinion"),
    ("is cuba right about the us accusations", "opinion"),
    ("que opinas de la politica de eeuu sobre la trata", "opinion"),
    ("¿Qué opinas de Cuba?", "opinion"),
    ("should i donate to equality now", "advice"),
    ("should the us lift the embargo on cuba", "advice"),
    ("how do i report a trafficking case near me", "advice"),
    ("¿Debo denunciar a mi empleador?", "advice"),
    ("who can i call if my neighbour is trafficked", "advice"), ("creo que explotan a mi vecina a quien llamo", "advice"),
    # …asked with a verb of advising, of the bot, or of what the asker should do
    ("what would you recommend i do if my neighbor is trafficked", "advice"),
    ("can u advise me on how to report a trafficking case", "advice"),
    ("any tips for me on staying safe abroad", "advice"),
    ("which anti trafficking charity i should donate to", "advice"),
    ("¿Qué me recomiendas hacer si sospecho que alguien es víctima de trata?", "advice"),
    ("que sugieres para denunciar un caso de trata", "advice"), ("me aconseja donar a polaris", "advice"),
    # a yes-or-no judgement of the report or of a party
    ("is the report biased", "opinion"), ("Is this report reliable?", "opinion"), ("can i trust this report", "opinion"),
    ("is cuba telling the truth", "opinion"), ("is argos a credible source", "opinion"),
    ("¿El informe es imparcial?", "opinion"),
    ("is the report reliable or not", "opinion"), ("el informe es confiable o no", "opinion"),
    # the report's positions are asked of the report, and may be quoted
    ("what does the report think about the us policy", ""),
    ("what does the report say cuba should do", ""),
    ("what does the report recommend to governments", ""), ("que recomienda el informe a los gobiernos", ""),
    ("does the report have any recommendations", ""),
    ("how should governments respond according to the report", ""),
    ("can i see the list of references", ""),
    ("where can i find the summary", ""),
    ("¿Dónde puedo leer las referencias?", ""),
    ("does the report say the us list is biased", ""), ("is it true that half the victims are women", ""),
    ("is the palermo protocol binding", ""), ("is the report from 2021", ""),
])
def test_a_question_to_the_bot_not_the_report_is_told_apart(question, stance):
    assert needs_of(question, [], "en", IDF).stance == stance
    for name in ("lowercase", "no_punct", "no_accents", "filler"):  # however it is typed, once read
        typed = unfill(metamorphic.TRANSFORMS[name](question))
        assert needs_of(typed, [], "en", IDF).stance == stance, (name, typed)


def test_the_topic_is_what_is_left_beyond_names_and_asking_words():
    n = needs_of("When did Cuba ratify the trafficking Protocol?", ["Cuba", "Protocol"], "en", IDF)
    assert n.cues == {"date"} and n.places == ("Cuba",) and n.topic == {"ratifi"} and n.unknown == ()
    n = needs_of("What is the title of reference 4?", [], "en", IDF)
    assert n.lookup and not n.topic  # a line of the reference list, found by its number
    n = needs_of("capital of Cuba?", ["Cuba"], "en", IDF)
    assert n.topic == {"capit"} and n.unknown == ("capital",)


@pytest.mark.parametrize("question, missing", [
    ("capital of cuba", "capital"),
    ("where was antony blinken born", "born"),
    ("how old is ghada waly", "age"),
    ("what did obama do about trafficking", "obama"),
    ("what did pope francis say about human trafficking", "francis"),
    ("what did kofi annan say about trafficking", "annan"),
    ("where is argos based", "based"),
    # names WordNet only writes capitalised, typed in lower case
    ("unicef figures on child trafficking", "unicef"),
    ("ilo estimate of people in forced labour", "ilo"),
    # words the report never uses, met only by what MiniLM puts near ("dollars", "economic")
    ("palantir stock price", "stock"),
    ("gdp of venezuela", "gdp"),
    ("weather in palermo today", "weather"),
])
def test_an_off_topic_question_naming_what_the_report_names_is_refused(pipeline, question, missing):
    for typed in (question, metamorphic.TRANSFORMS["filler"](question), question.capitalize() + "?"):
        a = pipeline.ask(typed)
        assert a.abstained and missing in a.notice.lower(), (typed, a.answer, a.notice)


@pytest.mark.parametrize("question, missing", [
    ("que dijo angela merkel sobre la prostitucion en alemania", "merkel"),
    ("que dijo kofi annan sobre la trata", "annan"),
    ("cifras de unicef sobre trata infantil", "unicef"),
])
def test_a_name_the_report_never_uses_in_a_spanish_question_is_refused(pipeline, question, missing):
    for typed in (question, "¿" + question.capitalize() + "?"):
        a = pipeline.ask(typed)
        assert a.abstained and missing in a.notice.lower() and a.language == "es", (typed, a.answer, a.notice)


def test_a_spanish_word_typed_without_accents_is_no_name(pipeline):
    from rag.read import spanish_word

    assert spanish_word("anos") and spanish_word("cubano") and spanish_word("politica")
    assert not spanish_word("merkel") and not spanish_word("obama") and not spanish_word("castro")
    a = pipeline.ask("cuantos anos tardo alemania en ratificar el protocolo")
    assert not a.abstained and "6 years" in a.answer, (a.notice, a.answer)


@pytest.mark.parametrize("question, lang", [
    ("should i donate to equality now", "en"), ("what do you think about the us", "en"), ("que opinas de cuba", "es"),
    ("my friend might be trafficked, i dont know what to do", "en"),
])
def test_the_bots_opinion_or_advice_is_refused_in_the_questions_language(pipeline, question, lang):
    a = pipeline.ask(question)
    assert a.abstained and a.language == lang and not a.citations, a.answer
    assert "only reports what the report says" in a.notice if lang == "en" else "solo informa" in a.notice


@pytest.mark.parametrize("question", ["hi", "ok thanks", "hola", "Hello!"])
def test_a_greeting_alone_has_nothing_to_look_up(pipeline, question):
    a = pipeline.ask(question)
    assert a.abstained and not a.citations and a.notice in ("the question has no word to look up",
                                                             "la pregunta no tiene ninguna palabra que buscar"), a.notice


@pytest.mark.parametrize("question, expected", [
    ("how many kids are trafficked", "child"),  # "kids" ~ "children": the report never says "kids"
    ("what share of victims are kids", "boys"),
    ("what fraction of those identified as trafficked are grown females", "adult women"),
    ("what does gaatw stand for", "Global Alliance"),
    ("who wrote the report", "Argos"),
    ("when did the us ratify the protocol", "2005"),
    # a phrasal verb's verb alone ("kick", "set", "put") is a word the report never uses; the
    # verb with its particle shares a sense with the report's ("deported", "establishes", "published")
    ("how many cambodians did thailand kick out of bangkok", "557"),
    ("how many cambodians got kicked out", "557"),
    ("when did the un general assembly set up the world day", "2013"),
    ("when did ips put out its report", "2019"),
    # …a known verb's too ("come"), met by a verb its sense is defined by: "be issued or published"
    ("what year did the gaatw report come out", "2011"),
    # a word of describing asks how the report puts it, as "describe" does (WordNet: a kind of labelling)
    ("how does the report label polaris", "ultra-conservative"),
])
def test_the_reports_words_typed_as_synonyms_still_answer(pipeline, question, expected):
    a = pipeline.ask(question)
    assert not a.abstained and expected in a.answer, (a.notice, a.answer)


def test_a_phrasal_verb_is_read_whole_and_met_by_verbs_not_by_nouns_stemmed_alike(pipeline):
    from rag.needs import topic_words
    from rag.read import phrasal

    assert topic_words("cambodians got kicked out of bangkok", frozenset({"kick", "cambodian"})) == ("cambodians", "kicked out")
    assert topic_words("how many live in europe", frozenset({"live"})) == ("live",)  # no such phrasal verb
    assert {"deported", "expelled"} <= phrasal("kicked", "out") and "published" in phrasal("put", "out")
    # a definition's verbs, not its light ones: "come out" is "be issued or published", "appear or become visible"
    assert {"issued", "published"} <= phrasal("came", "out") and "become" not in phrasal("come", "out")
    # "take off" is "depart", but "Department" is no departing: verbs' forms, not stems, and none a noun
    assert "departing" in phrasal("taken", "off") and not {"department", "part", "parts"} & phrasal("taken", "off")
    a = pipeline.ask("when was cuba taken off the us blacklist")
    assert a.abstained, a.answer


def test_a_sentences_phrasal_verb_is_not_its_verb_alone(pipeline):
    # "win" is met by no "carries out" (a kind of "win" only as in "carry the state"): the
    # contingent was nominated for the prize, not awarded it …
    a = pipeline.ask("what year did the henry reeve brigade win the nobel peace prize")
    assert a.abstained, a.answer
    # …but "called on" is met by what shares its senses ("request"), and "who won" asks who won
    a = pipeline.ask("what did ghada waly request of member states")
    assert not a.abstained and "design policies" in a.answer, (a.notice, a.answer)
    assert "won" in needs_of("who won the Nobel Peace Prize?", ["the Nobel Peace Prize"], "en", IDF).words


@pytest.mark.parametrize("question, expected", [
    ("global plan of action doc number", "64/293"),
    ("whats the document number of the global plan of action", "64/293"),
    ("numero de la resolucion de la onu del dia mundial contra la trata", "A/RES/68/192"),
])
def test_a_documents_number_is_its_symbol_not_a_count(pipeline, question, expected):
    from rag.question import question_cues

    assert question_cues(question) == {"symbol"}
    a = pipeline.ask(question)
    assert not a.abstained and expected in a.answer, (a.notice, a.answer)
    assert question_cues("how many documents did the un publish") == {"number"}
    # the Protocol's symbol is not in the report; no count stands for it
    assert pipeline.ask("what is the document number of the palermo protocol").abstained


def test_a_values_event_typed_as_a_phrasal_verb_picks_the_sentence_saying_it(pipeline):
    # the best sentence met "global" beside a year ("… approved the so-called Global Plan …", 2010);
    # the runner-up says the report was published ("put out") in February 2021
    a = pipeline.ask("when did unodc put out its global trafficking report")
    assert not a.abstained and "February 2021" in a.answer.split("[1]")[0], (a.notice, a.answer)


def test_a_word_the_report_never_uses_is_met_by_its_wordnet_sense_not_by_a_neighbour():
    from rag.read import is_name, related

    assert {"child", "minor"} <= related("kid") and "woman" in related("femal") and "treati" in related("pact")
    assert "dollar" not in related("currenc") and "situat" not in related("prison")  # no broader terms
    assert is_name("unicef") and is_name("obama") and not is_name("washington") and not is_name("capital")


def test_the_us_typed_in_lower_case_after_the_is_the_country(pipeline):
    a = pipeline.ask("how many traffickers were convicted in the us")
    assert a.abstained and "United States" in a.notice, a.answer


def test_a_spanish_quote_is_cut_to_the_clause_its_cognates_meet(pipeline):
    for typed in ("¿Qué día se conmemora el Día Mundial contra la Trata de Personas?",
                  "cuando es el dia mundial contra la trata de personas"):
        a = pipeline.ask(typed)
        assert not a.abstained and "July 30" in a.answer, (typed, a.answer)


def test_an_adverb_is_no_topic_and_a_spanish_how_long_asks_for_a_span(pipeline):
    a = pipeline.ask("what did antony blinken say about cuba specifically")  # "specifically": how, not what
    assert not a.abstained and "worker export programs" in a.answer, (a.notice, a.answer)
    b = pipeline.ask("cuanto tardo alemania en ratificar el protocolo")  # a span, not "cuánto" = a count
    assert not b.abstained and "6 years" in b.answer, (b.notice, b.answer)


def test_a_word_the_report_never_uses_is_looked_for_as_its_senses(pipeline, monkeypatch):
    import rag.answer

    # "backed" is never in the report; its sense "endorse" is: "only about 80 countries endorsed …"
    q = "how many backed the trafficking protocol?"
    passages, qvec = pipeline.search(q, k=8), pipeline.embedder.encode([q])[0]

    def endorsed() -> float:
        scored = rag.answer.score_sentences(q, qvec, passages, pipeline.tables)
        return next(s.score for s in scored if "endorsed" in pipeline.tables.sentences[s.index].text)

    with_senses = endorsed()
    monkeypatch.setattr(rag.answer, "SENSE_WEIGHT", 0.0)
    assert with_senses > endorsed() + 0.05


def test_what_is_x_is_answered_by_the_sentence_defining_x(pipeline):
    a = pipeline.ask("what is migrant smuggling")
    assert not a.abstained and "defines smuggling of migrants" in a.citations[0].quote, a.answer


def test_a_region_is_covered_by_the_gazetteer_not_by_a_vector(pipeline):
    # MiniLM puts "Eastern Europe" close to "Western and Southern Europe" (the report's region)
    a = pipeline.ask("eastern europe how many women victims")
    assert a.abstained and "Eastern Europe" in a.notice, a.answer
    b = pipeline.ask("how many women victims in north america")
    assert not b.abstained and "5,735" in b.answer, b.answer


def test_a_persons_pronoun_in_a_follow_up_is_the_person_named_last(pipeline):
    a = pipeline.ask("whats her job", history=[("who said the us is a source destination and transit country",
                                                 "Romina Canessa, speaking to IPS")])
    assert "Romina Canessa" in a.query and "human rights lawyer" in a.answer, (a.query, a.answer)


def test_a_keyword_query_asks_by_its_keywords(pipeline):
    a = pipeline.ask("boston globe article date")  # a news URL's path is its date
    assert not a.abstained and "2021/07/18" in a.answer, a.answer
    b = pipeline.ask("cuantas victimas reporto la ue entre 2017 y 2018")  # "ue": the EU, in lower case
    assert not b.abstained and "14,145" in b.answer, b.answer


def test_who_said_a_quote_is_answered_by_the_sentence_naming_its_speaker(pipeline):
    a = pipeline.ask("who said that", history=[("whats the quote about millions out of work and out of school",
                                                 '"Millions of women, children and men around the world are out of work…"')])
    assert not a.abstained and "Ghada Waly" in a.answer, a.answer
    # A name inside the quote ("the United States") is what was said; its speaker is named
    # where the quote ends, the sentence after it, not in the one before ("… R. Kelly …").
    for b in (pipeline.ask("who said that", history=[("quote about the us being a source destination and transit country",
                                                      '"We know that the United States is a source, destination and transit country…"')]),
              pipeline.ask("who said the us is a source destination and transit country")):
        assert not b.abstained and "Canessa told IPS" in b.answer and "Kelly" not in b.answer, b.answer


def test_what_someone_said_is_their_words_not_a_quote_that_names_them(pipeline):
    # The report names Rubio and Menendez only inside the Cuban Foreign Ministry's quote.
    for typed, who in (("what did marco rubio reply to the cuban foreign ministry", "Marco Rubio"),
                       ("What did Robert Menendez say about Cuba?", "Robert Menendez"),
                       ("que dijo robert menendez sobre cuba", "Robert Menendez")):
        a = pipeline.ask(typed)
        assert a.abstained and who in a.notice, (typed, a.notice, a.answer)
    for typed, quoted in (("what did the cuban foreign ministry say about the us campaign", "defamatory campaign"),
                          ("what did blinken say about cubas medical missions", "medical mission"),
                          ("What did Canessa tell IPS?", "Canessa")):
        a = pipeline.ask(typed)
        assert not a.abstained and quoted in a.answer, (typed, a.notice, a.answer)


def test_what_someone_said_is_not_what_was_said_of_them(pipeline):
    # Venezuela is named where the State Department "stated that Cuba, Nicaragua and Venezuela
    # …", Russia in EFE's list ("…, Russia, … according to EFE"): neither says anything.
    for typed, who in (("how did venezuela respond to the state dept report", "Venezuela"),
                       ("what did russia say about being on the us list", "Russia"),
                       ("que dijo venezuela sobre la lista", "Venezuela")):
        a = pipeline.ask(typed)
        assert a.abstained and who in a.notice, (typed, a.notice, a.answer)
    # who does speak: "the communiqué issued by the Cuban Ministry…", "according to IPS",
    # "Ghada Waly called on…", "the U.S. State Department stated…"
    for typed, said in (("how did cuba respond", "Cuba"), ("what did ips say about the us", "IPS"),
                        ("what did ghada waly say", "Ghada Waly"), ("what did the state department say about cuba", "State Department")):
        a = pipeline.ask(typed)
        assert not a.abstained and said in a.answer, (typed, a.notice, a.answer)


def test_a_name_of_several_words_the_report_never_writes_is_refused():
    from rag.read import phrases

    assert "world cup" in phrases() and "secretary general" in phrases() and "caribbean" in phrases()["caribbean island"]
    assert "human rights" not in phrases()  # WordNet writes it in lower case too


def test_names_of_several_words_and_titles_typed_without_the(pipeline):
    for typed, missing in (("who won the world cup in 2018", "world cup"),
                           ("who is the un secretary general", "secretary general"),
                           ("who was us president when the us ratified the protocol in 2005", "title")):
        a = pipeline.ask(typed)
        assert a.abstained and missing in a.notice, (typed, a.notice, a.answer)
    a = pipeline.ask("What did the Caribbean island's diplomatic service call the American accusation?")
    assert not a.abstained and "Cuban Ministry of Foreign Affairs" in a.answer, (a.notice, a.answer)


def test_initials_and_a_decade_are_read_as_what_the_report_writes(pipeline):
    for typed, expected in (("hey which ga session passed that resolution", "68th Session"),
                            ("what was the un's early treaty on trafficking back in the 40s", "1949 Convention"),
                            ("ec figures on child victims", "22%")):
        a = pipeline.ask(typed)
        assert not a.abstained and expected in a.answer, (typed, a.notice, a.answer)


def test_a_follow_up_replaces_a_pair_not_one_of_it(pipeline):
    a = pipeline.ask("and kids?", history=[("what % of eu trafficking victims were women and girls",
                                            "The report says 72% of the 14,145 victims were women and girls.")])
    assert not a.abstained and "22%" in a.answer, (a.notice, a.answer)


def test_of_those_points_back_as_of_them_does(pipeline):
    a = pipeline.ask("how many of those were kids", history=[(
        "how many trafficking victims did eu countries report in 2017-2018",
        "The report says EU countries registered 14,145 victims in 2017-2018.")])
    assert not a.abstained and "22%" in a.answer, (a.notice, a.answer)


def test_a_question_word_in_a_later_sentence_of_the_section_brings_it_in(pipeline):
    # "days" is four sentences after "deported 557 Cambodians", "urged" in the next one.
    for typed, expected in (("how many days did thai authorities hold the cambodians before deporting them", "three days"),
                            ("what else did the meps urge", "child protection")):
        a = pipeline.ask(typed)
        assert not a.abstained and expected in a.answer, (typed, a.notice, a.answer)


def test_a_sentence_added_for_one_word_does_not_meet_the_question_for_it(pipeline):
    # "… reported in 2020 by the UODC" holds the year, the 14,145 sentence the figure.
    a = pipeline.ask("how many victims did eu countries report in 2020")
    assert a.abstained and "2020" in a.notice, a.answer


def test_a_runner_up_that_answers_by_itself_is_taken_when_the_best_has_no_such_fact(pipeline):
    a = pipeline.ask("what year does the report say the un was created")
    assert not a.abstained and "1945" in a.answer, (a.notice, a.answer)
    # …but not when a word of the question is one the report never uses
    b = pipeline.ask("what year did the un cancel the palermo protocol")
    assert b.abstained, b.answer


def test_who_reported_a_figure_may_be_named_beside_it(pipeline):
    a = pipeline.ask("who reported that", history=[("how many cambodians did thailand deport in 2010",
                                                     "Thai authorities arrested and deported 557 undocumented Cambodians.")])
    assert not a.abstained and "GAATW" in a.answer, (a.notice, a.answer)


def test_how_many_followed_by_an_adverb_counts_what_the_question_before_did(pipeline):
    a = pipeline.ask("how many actually signed", history=[("how many countries met in palermo in 2000",
                                                           "The report says 148 countries met in Palermo.")])
    assert not a.abstained and "121" in a.answer, (a.notice, a.answer)


def test_a_name_misspelt_beside_a_common_word_the_report_capitalises_is_mended(pipeline):
    a = pipeline.ask("since when has the henry reve brigade been around")  # "Henry" is common (zipf 4.7)
    assert "Henry Reeve" in a.query and not a.abstained and "2005" in a.answer, (a.query, a.answer)


def test_an_exact_date_is_not_answered_by_a_year(pipeline):
    a = pipeline.ask("exact date the netherlands accepted the protocol")
    assert a.abstained and "exact date" in a.notice, a.answer
    b = pipeline.ask("what day is the world day against trafficking")
    assert not b.abstained and "July 30" in b.answer, (b.notice, b.answer)


def test_what_counts_as_x_is_answered_by_the_sentence_defining_x(pipeline):
    a = pipeline.ask("what counts as exploitation under the trafficking protocol")
    assert not a.abstained and "Exploitation shall include" in a.answer, (a.notice, a.answer)


def test_a_span_counted_from_an_earlier_date_meets_the_year_said_before_it(pipeline):
    # "the 1949 Convention …" / "However, …" / "But it was not until December 2000, 50 years later, …"
    a = pipeline.ask("how many years after the 1949 convention was palermo")
    assert not a.abstained and "50 years later" in a.answer, (a.notice, a.answer)
    # …but a year the report never ties to the sentence is still missing
    b = pipeline.ask("how many countries met in palermo in 2003")
    assert b.abstained, b.answer


def test_a_spanish_region_name_is_met_by_the_english_one_word_by_word(pipeline):
    # "Europa Occidental" is the "western … europe" of "Western and Southern Europe"
    a = pipeline.ask("cuantos hombres victimas en europa occidental y del sur")
    assert not a.abstained and "3,283" in a.answer, (a.notice, a.answer)
    b = pipeline.ask("cuantas victimas en europa del este")  # the report has no Eastern Europe figure
    assert b.abstained, b.answer


def test_who_said_that_names_the_speaker_of_the_best_sentence(pipeline):
    # a name in another chosen sentence ("U.S. and Western Europe") is not the quote's speaker
    a = pipeline.ask("who said that", history=[("quote about millions out of work in covid at greater risk of trafficking",
                                                "The statement warns that COVID-19 left millions out of work.")])
    assert not a.abstained and "Ghada Waly" in a.answer, (a.notice, a.answer)


def test_a_document_symbol_alone_finds_its_sentence(pipeline):
    a = pipeline.ask("64/293")  # cosine 0.10 to its own sentence
    assert not a.abstained and "Global Plan of Action" in a.answer, (a.notice, a.answer)
    assert pipeline.ask("12/345").abstained


def test_a_contraction_is_spelt_out_as_the_report_writes_the_word():
    from rag.question import spell_out

    like = lambda ws, cs: np.array([[0.85 if c == "department" else 0.3 for c in cs]])  # MiniLM's: 0.85, 0.36
    vocabulary = frozenset({"department", "development", "years", "did", "directed", "second", "secretary"})
    assert spell_out("state dept report", vocabulary, like) == "state department report"
    assert spell_out("how many yrs", vocabulary) == "how many years"  # WordNet: "yr" is "year"
    # a common word is itself, and first letters alone are no contraction
    assert spell_out("when did the sec say", vocabulary, like) == "when did the sec say"


def test_a_contraction_in_a_question_is_read_as_its_word(pipeline):
    a = pipeline.ask("how many yrs between the global plan of action and the world day resolution")
    assert "years" in a.query and not a.abstained and "three years" in a.answer, (a.notice, a.answer)


@pytest.mark.parametrize("question, fact, unlike", [
    # the names of a Spanish question are otherwise only its places: "existe" alone is no topic
    ("desde cuando existe la brigada henry reeve", "2005", "cuando murio ghada waly"),
    # "Figure note: … 48,478 victims …" names no one; "Source: UNODC …" ends the caption before
    # it, but a source the figure does not name still has no figure there
    ("unodc age and sex estimates based on how many victims", "48,478",
     "how many victims were the gaatw age and sex estimates based on"),
    # "According to a … (GAATW) report published in 2011" follows "… deported 557 undocumented
    # Cambodians …"; a place alone is still a date's own sentence's
    ("year gaatw report on the cambodian beggars came out", "2011", "what year did thailand ratify the trafficking protocol"),
])
def test_a_requirement_is_met_where_the_report_meets_it(pipeline, question, fact, unlike):
    a = pipeline.ask(question)
    assert not a.abstained and fact in a.answer, (a.notice, a.answer)
    assert pipeline.ask(unlike).abstained


def test_the_contents_are_asked_for_by_what_they_are(pipeline):
    a = pipeline.ask("table of contents")
    assert not a.abstained and ": page " in a.answer, (a.notice, a.answer)


def test_which_page_is_answered_with_the_page_of_the_quote(pipeline):
    a = pipeline.ask("pls which page talks about palantir and pegasis")
    assert not a.abstained and a.answer.startswith("On page 13, the report"), (a.notice, a.answer)
    # a contents line already gives its page
    b = pipeline.ask("on which page does the section on multilateralism start")
    assert b.answer.startswith("The report states: “Multilateralism against trafficking: page 14."), b.answer


def test_a_spanish_word_is_no_country_nor_initials(pipeline):
    a = pipeline.ask("que porcentaje de victimas se usa para actividades criminales")
    assert "United States" not in a.query and not a.abstained and "6%" in a.answer, (a.query, a.answer)


def test_agreeing_with_a_claim_is_an_opinion(pipeline):
    a = pipeline.ask("do u agree palantir is evil")
    assert a.abstained and "opinion" in a.notice, a.answer
    b = pipeline.ask("whos right in the end, cuba or the us")  # which party is right: a judgement too
    assert b.abstained and "opinion" in b.notice, b.answer


def test_how_long_is_answered_by_a_span_or_a_date(pipeline):
    # the report gives Ghada Waly's title, never since when she holds it
    a = pipeline.ask("how long has she been in that job", history=[("who is ghada waly", "UNODC Executive Director")])
    assert a.abstained, a.answer
    b = pipeline.ask("how many days between arrest and deportation of the cambodians")
    assert not b.abstained and "three days" in b.answer, (b.notice, b.answer)


@pytest.mark.parametrize("question", ["cual es la capital de venezuela", "cual es la poblacion de venezuela",
                                      "cual es la capital de nicaragua"])
def test_a_spanish_question_with_no_cognate_is_its_meaning(pipeline, question):
    a = pipeline.ask(question)
    # …and the refusal names the question's own words, not a cognate it lacks
    assert a.abstained and question.split()[3] in a.notice.lower(), (a.notice, a.answer)


def test_a_spanish_question_close_to_a_sentence_still_answers(pipeline):
    a = pipeline.ask("¿Cuál es la fuente de los gráficos del informe?")
    assert not a.abstained and "UNODC" in a.answer, (a.notice, a.answer)


@pytest.mark.parametrize("question", ["why did the us refuse to ratify the palermo protocol",
                                      "why didnt the us ever ratify the trafficking protocol",
                                      "por que eeuu no ratifico el protocolo"])
def test_a_why_question_denying_what_the_report_says_happened_is_refused(pipeline, question):
    # "In the case of the United States of America, the country ratified the Protocol in 2005, …"
    a = pipeline.ask(question)
    assert a.abstained and "ratified the Protocol in 2005" in a.notice, (a.notice, a.answer)


def test_a_why_question_asking_about_a_delay_is_no_denial(pipeline):
    a = pipeline.ask("why did germany not ratify the protocol until 2006")
    assert not a.abstained and "Germany" in a.answer, (a.notice, a.answer)


def test_a_why_question_saying_most_are_what_the_report_says_few_are_is_refused(pipeline):
    # "Only 20% of the victims are adult men; and the rest, 15%, are boys.": the share is the clause's
    a = pipeline.ask("why are most trafficking victims adult men")
    assert a.abstained and "Only 20% of the victims are adult men" in a.notice, (a.notice, a.answer)
    # 72% of the EU's victims were women and girls: no contradiction there
    b = pipeline.ask("why are most eu victims women and girls")
    assert "contradicts" not in b.notice, b.notice


def test_what_someone_said_is_their_quoted_words(pipeline):
    # not only "… statements by … Romina Canessa, who acknowledges …", the sentence naming her best
    history = [("who is romina canessa", "A human rights lawyer and member of the NGO Equality Now.")]
    a = pipeline.ask("what did she tell ips", history=history)
    assert not a.abstained and "source, destination and transit" in a.answer, (a.notice, a.answer)
    # …but "respond", a word the report never uses, is no statement the State Department made
    b = pipeline.ask("how did the us govt respond to cubas statement")
    assert b.abstained, b.answer


def test_a_quote_said_by_he_or_she_is_the_one_named_before_it(pipeline):
    # "… Ghada Waly called on …" / "\"Millions of women … are out of work …" / "…,\" he said in a statement …"
    a = pipeline.ask("what did she say ppl r out of",
                     history=[("who is ghada wally", "She is the UNODC Executive Director mentioned in the report.")])
    assert not a.abstained and "out of work" in a.answer, (a.notice, a.answer)


def test_first_asks_like_second_and_third(pipeline):
    # "as of 2014, July 30 would be commemorated": "first" is an ordinal asked, no topic to meet
    a = pipeline.ask("what year was the world day first marked")
    assert not a.abstained and "2014" in a.answer, (a.notice, a.answer)


def test_a_sense_of_a_word_is_met_in_its_irregular_plural(pipeline):
    # "kids": "child" in WordNet, "children" in the report, which the stemmer leaves whole
    a = pipeline.ask("and kids", history=[("eu victims 2017 2018", "European Union countries reported 14,145 victims")])
    assert not a.abstained and "22%" in a.answer, (a.notice, a.answer)
