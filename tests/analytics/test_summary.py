"""The evaluation summary writes the study's results paragraph from a metrics document, and the
tables and charts read the same document. The document here carries the published study's own
figures (respondents 19 and 47, lecture attendance 79 % and 34 %)."""

import copy

from analytics.presentation import all_tables, charts, headlines
from analytics.summary import evaluation_summary


def band(n, pct):
    return {"n": n, "pct": pct}


def rate(registered, attended, pct):
    return {"registered": registered, "attended": attended, "rate_pct": pct}


STUDY = {
    "academic_year": "2022-23",
    "period": {"start": "2022-08-01", "end": "2023-07-31", "filters": {}},
    "participants": {
        "total": 120,
        "bands": {"years_1_2": band(50, 41.7), "years_3_6": band(70, 58.3)},
        "years": {str(y): band(n, None) for y, n in zip(range(1, 7), [25, 25, 20, 20, 15, 15], strict=True)},
        "unknown": band(0, 0.0),
    },
    "attendance": {
        "overall": rate(200, 150, 75.0),
        "bands": {"years_1_2": rate(100, 90, 90.0), "years_3_6": rate(100, 60, 60.0)},
        "years": {str(y): rate(0, 0, None) for y in range(1, 7)},
        "unknown": rate(0, 0, None),
        "months": {"2022-10": rate(120, 100, 83.3), "2022-11": rate(80, 50, 62.5)},
        "sessions_counted": 12,
        "sessions_without_register": 1,
    },
    "format": {
        "overall": {"online": 90, "in_person": 60, "online_pct": 60.0},
        "bands": {
            "years_1_2": {"online": 50, "in_person": 40, "online_pct": 55.6},
            "years_3_6": {"online": 40, "in_person": 20, "online_pct": 66.7},
        },
    },
    "teaching": {"teachers": 9, "sessions": 12, "hours": 18.5, "motivations": {"helping_others": 6, "career": 2}},
    "feedback": {
        "responses": 40,
        "minimum": 5,
        "metrics": {"overall": {"n": 40, "mean": 4.35, "agree_pct": 87.5}, "confidence": {"n": 3, "suppressed": True}},
    },
    "survey": {
        "id": 1,
        "title": "MedEd survey 2022-23",
        "opens_on": "2023-03-01",
        "closes_on": "2023-03-31",
        "minimum": 5,
        "is_shown": True,
        "respondents": {
            "total": 66,
            "bands": {"years_1_2": band(19, 28.8), "years_3_6": band(47, 71.2)},
            "unknown": {"n": 0},
        },
        "lecture_attendance": {
            "overall": {"n": 66, "regular": 31, "pct": 47.0},
            "bands": {
                "years_1_2": {"n": 19, "regular": 15, "pct": 79.0},
                "years_3_6": {"n": 47, "regular": 16, "pct": 34.0},
            },
        },
        "format_preference": {
            "overall": {"n": 66, "online": {"n": 36, "pct": 54.5}, "in_person": {"n": 30, "pct": 45.5}},
            "bands": {
                "years_1_2": {"n": 19, "online": {"n": 10, "pct": 52.6}, "in_person": {"n": 9, "pct": 47.4}},
                "years_3_6": {"n": 47, "online": {"n": 26, "pct": 55.3}, "in_person": {"n": 21, "pct": 44.7}},
            },
        },
        "benefits": {
            "knowledge": {"n": 66, "agree_pct": 90.9},
            "motivation": {"n": 66, "agree_pct": 80.3},
            "community": {"n": 66, "agree_pct": 75.8},
            "confidence": {"n": 4, "suppressed": True},
        },
        "teaching_motivations": {
            "helping_others": {"n": 12, "pct": 85.7},
            "transferable_skills": {"n": 10, "pct": 71.4},
            "career": {"n": 3, "pct": 21.4},
        },
        "roles": {"attendee": 52, "teacher": 9, "both": 5},
        "labels": {
            "format_preference": {"online": "Online", "in_person": "In person"},
            "teaching_motivations": {
                "helping_others": "Helping others",
                "transferable_skills": "Developing transferable skills",
                "career": "Career and portfolio evidence",
            },
            "society_role": {"attendee": "I attend sessions", "teacher": "I teach sessions", "both": "Both"},
        },
    },
    "themes": [
        {"key": "academic-value", "name": "Academic value", "comments": 21, "quotes": ["Great for revision"]},
        {"key": "career-prospects", "name": "Career prospects", "comments": 8, "quotes": []},
        {"key": "community", "name": "Sense of community and wellbeing", "comments": 1, "quotes": ["Friends"]},
        {"key": "empty", "name": "Unused theme", "comments": 0, "quotes": []},
    ],
}


def test_summary_writes_the_studys_results_paragraph():
    assert evaluation_summary(STUDY).paragraph == (
        "In 2022-23, 66 students completed the survey “MedEd survey 2022-23”, with 19 (28.8%) from years 1–2 "
        "and 47 (71.2%) from years 3–6. Early-year students reported higher lecture attendance (79.0% attending "
        "all or most lectures) than later-year students (34.0%). Online sessions were preferred by 52.6% of "
        "years 1–2 and 55.3% of years 3–6. Respondents agreed that the society improved their knowledge "
        "(90.9%), motivation (80.3%) and sense of community (75.8%). Among student-teachers, the main "
        "motivations for teaching were “Helping others” (85.7%) and “Developing transferable skills” (71.4%). "
        "MedEd recorded 120 participants in 2022-23 (50 (41.7%) in years 1–2, 70 (58.3%) in years 3–6); 9 "
        "student-teachers completed 12 sessions (18.5 hours). Across 12 sessions with a register, 75.0% of "
        "registrations were attended: 90.0% in years 1–2 and 60.0% in years 3–6. The coded comments fell under "
        "3 themes: academic value (21 comments), career prospects (8 comments) and sense of community and "
        "wellbeing (1 comment)."
    )


def test_summary_lists_the_figures_it_used():
    figures = dict(evaluation_summary(STUDY).figures)
    assert figures["Respondents, years 1–2"] == "19 (28.8%)"
    assert figures["Lecture attendance, years 3–6"] == "16/47 (34.0%)"
    assert figures["Agree: Knowledge"] == "90.9%"
    assert "Agree: Confidence" not in figures  # suppressed below the minimum
    assert figures["Theme: Career prospects"] == "8"


def test_summary_without_a_survey_says_so_and_keeps_the_rest():
    doc = copy.deepcopy(STUDY) | {"survey": None}
    paragraph = evaluation_summary(doc).paragraph
    assert paragraph.startswith("No survey closed in 2022-23. MedEd recorded 120 participants")


def test_summary_of_a_survey_below_the_minimum_reports_no_answers():
    doc = copy.deepcopy(STUDY)
    doc["survey"]["is_shown"] = False
    paragraph = evaluation_summary(doc).paragraph
    assert "The survey had fewer than 5 responses, so its answers are not reported." in paragraph
    assert "lecture attendance" not in paragraph


def test_tables_write_suppressed_figures_as_too_few():
    tables = {table.key: table for table in all_tables(STUDY)}
    assert tables["feedback"].rows == [
        ["Overall rating", 40, "4.35", "87.5%"],
        ["Confidence", 3, "fewer than 5", ""],
    ]
    assert tables["survey_benefits"].rows[-1] == ["Confidence", 4, "4 answered, fewer than 5"]
    assert tables["survey_roles"].rows == [["I attend sessions", 52], ["I teach sessions", 9], ["Both", 5]]


def test_charts_each_carry_a_text_summary():
    found = {chart.key: chart for chart in charts(STUDY)}
    assert found["participants"].summary == (
        "120 members took part in 2022-23: 50 (41.7%) from years 1–2 and 70 (58.3%) from years 3–6."
    )
    assert found["attendance"].summary.endswith(
        "90.0% in years 1–2 and 60.0% in years 3–6. 1 session that has ended has no register and is left out."
    )
    assert found["survey_format_preference"].summary == (
        "All respondents: Online 54.5%; In person 45.5%. Years 1–2: Online 52.6%; In person 47.4%. "
        "Years 3–6: Online 55.3%; In person 44.7%."
    )
    assert [bar.label for bar in found["themes"].bars] == [
        "Academic value",
        "Career prospects",
        "Sense of community and wellbeing",
    ]


def test_headlines_give_the_change_on_last_year():
    last = copy.deepcopy(STUDY)
    last["academic_year"] = "2021-22"
    last["participants"]["total"] = 100
    last["attendance"]["overall"]["rate_pct"] = 80.0
    cards = {card.label: card for card in headlines(STUDY, last)}
    assert (cards["Participants"].change, cards["Participants"].direction) == ("+20", "up")
    assert (cards["Attendance rate"].change, cards["Attendance rate"].direction) == ("−5.0 points", "down")
    assert cards["Teachers"].change == "no change"


def test_preference_chart_draws_every_option_the_survey_offers():
    doc = copy.deepcopy(STUDY)
    survey = doc["survey"]
    survey["labels"]["format_preference"]["no_preference"] = "No preference"
    survey["format_preference"]["overall"] = {
        "n": 10,
        "online": {"n": 5, "pct": 50.0},
        "in_person": {"n": 3, "pct": 30.0},
        "no_preference": {"n": 2, "pct": 20.0},
    }
    chart = next(chart for chart in charts(doc) if chart.key == "survey_format_preference")
    assert chart.legend == ("Online", "In person", "No preference")
    assert chart.bars[0].segments == ((0.0, 50.0, 0), (50.0, 30.0, 1), (80.0, 20.0, 2))
    assert chart.bars[0].text == "Online 50.0%; In person 30.0%; No preference 20.0% (n=10)"
