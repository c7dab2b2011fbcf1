"""Survey exports as Qualtrics, Microsoft Forms and Google Forms write them, for the import tests.

Each holds the same eight complete responses to the society survey (plus, for Qualtrics, one
unfinished), with the identifying columns those tools add: names, e-mails, IP addresses,
locations, response ids and dates. `IDENTIFYING` lists every such value, so a test can prove that
none of them reached the database. The committed files under `exports/` are `write_fixtures()`'s
output; the tests build variants (another line ending, a bad cell) from the same rows.
"""

import csv
import io
import itertools
import json
from pathlib import Path

from openpyxl import Workbook

EXPORTS = Path(__file__).parent / "exports"

# (year, lecture attendance, format, role, knowledge, motivation, community, confidence,
#  teaching motivations, what the society gives)
ANSWERS = [
    (
        "Year 1",
        "All or nearly all of them",
        "Online",
        "I attend sessions",
        "Strongly agree",
        "Agree",
        "Agree",
        "Agree",
        "",
        "Revision that fits around lectures.",
    ),
    (
        "Year 2",
        "Most of them",
        "Online",
        "I attend sessions",
        "Agree",
        "Agree",
        "Neither agree nor disagree",
        "Agree",
        "",
        "",
    ),
    (
        "Year 2",
        "About half of them",
        "In person",
        "I attend sessions",
        "Agree",
        "Disagree",
        "Agree",
        "Agree",
        "",
        "Friends in the years above.",
    ),
    (
        "Year 3",
        "A few of them",
        "Online",
        "Both: I attend and I teach",
        "Strongly agree",
        "Strongly agree",
        "Strongly agree",
        "Agree",
        "Helping others,Enjoying teaching",
        "A reason to keep up with the basics.",
    ),
    (
        "Year 4",
        "None of them",
        "Online",
        "I teach sessions",
        "Agree",
        "Agree",
        "Agree",
        "Strongly agree",
        "Helping others,Developing transferable skills such as presenting and leadership",
        "",
    ),
    (
        "Year 5",
        "Most of them",
        "In person",
        "I attend sessions",
        "Neither agree nor disagree",
        "Agree",
        "Agree",
        "Disagree",
        "",
        "Confidence before finals.",
    ),
    (
        "Year 6",
        "A few of them",
        "Online",
        "Both: I attend and I teach",
        "Agree",
        "Agree",
        "Strongly agree",
        "Agree",
        "Career and portfolio evidence",
        "A community.",
    ),
    (
        "Year 3",
        "About half of them",
        "Online",
        "I attend sessions",
        "Agree",
        "Strongly agree",
        "Agree",
        "Agree",
        "",
        "",
    ),
]

PEOPLE = [  # (first name, last name, e-mail, IP address, response id, latitude, longitude, started)
    (
        "Zainab",
        "Adeyemi-Qt",
        "zainab.adeyemi-qt@student.example.ac.uk",
        "81.2.69.142",
        "R_1a2B3c4D5e6F7g8",
        "51.49881",
        "-0.17491",
        "2026-03-10 09:14:02",
    ),
    (
        "Oliver",
        "Brennan-Qt",
        "oliver.brennan-qt@student.example.ac.uk",
        "81.2.69.160",
        "R_2b3C4d5E6f7G8h9",
        "51.50127",
        "-0.19261",
        "2026-03-10 11:02:47",
    ),
    (
        "Priya",
        "Chaudhry-Qt",
        "priya.chaudhry-qt@student.example.ac.uk",
        "2a02:c7f:8e4d:1::17",
        "R_3c4D5e6F7g8H9i0",
        "51.52291",
        "-0.15562",
        "2026-03-11 18:40:13",
    ),
    (
        "Tomasz",
        "Dabrowski-Qt",
        "tomasz.dabrowski-qt@student.example.ac.uk",
        "86.151.22.9",
        "R_4d5E6f7G8h9I0j1",
        "51.46613",
        "-0.21170",
        "2026-03-12 07:55:31",
    ),
    (
        "Amara",
        "Eze-Qt",
        "amara.eze-qt@student.example.ac.uk",
        "90.198.4.77",
        "R_5e6F7g8H9i0J1k2",
        "51.51790",
        "-0.11820",
        "2026-03-12 21:19:58",
    ),
    (
        "Hamish",
        "Fraser-Qt",
        "hamish.fraser-qt@student.example.ac.uk",
        "31.52.110.3",
        "R_6f7G8h9I0j1K2l3",
        "51.47420",
        "-0.09120",
        "2026-03-14 13:31:40",
    ),
    (
        "Léa",
        "Giraud-Qt",
        "lea.giraud-qt@student.example.ac.uk",
        "151.224.7.201",
        "R_7g8H9i0J1k2L3m4",
        "51.53010",
        "-0.12390",
        "2026-03-15 16:08:22",
    ),
    (
        "Kwame",
        "Hughes-Qt",
        "kwame.hughes-qt@student.example.ac.uk",
        "82.132.217.40",
        "R_8h9I0j1K2l3M4n5",
        "51.48870",
        "-0.16840",
        "2026-03-16 10:45:09",
    ),
]
UNFINISHED = (
    "Ines",
    "Iqbal-Qt",
    "ines.iqbal-qt@student.example.ac.uk",
    "5.64.12.88",
    "R_9i0J1k2L3m4N5o6",
    "51.50000",
    "-0.14000",
    "2026-03-17 12:00:00",
)

QUESTIONS = [
    "What year of study are you in?",
    "How often do you attend your medical school's lectures in person or live online?",
    "Which format do you prefer for teaching sessions?",
    "What is your role in the society?",
    "To what extent do you agree? - The society's sessions have improved my knowledge.",
    "To what extent do you agree? - The society's sessions have motivated me to study.",
    "To what extent do you agree? - The society gives me a sense of community.",
    "To what extent do you agree? - The society has made me more confident in my studies.",
    "Why do you teach with the society? (Tick all that apply.) - Selected Choice",
    "What does the society give you?",
]
QUALTRICS_QUESTION_COLUMNS = ["Q1", "Q2", "Q3", "Q4", "Q5_1", "Q5_2", "Q5_3", "Q5_4", "Q6", "Q7"]
METRIC_KEYS = [
    "year_of_study",
    "lecture_attendance",
    "format_preference",
    "society_role",
    "knowledge",
    "motivation",
    "community",
    "confidence",
    "teaching_motivations",
    "society_gives",
]
QUALTRICS_METADATA = [
    ("StartDate", "Start Date", "startDate"),
    ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
]


def _ended(started: str) -> str:
    return started[:-5] + "59:59"


def _qualtrics_metadata(person, *, finished: bool = True) -> list[str]:
    first, last, email, ip, response_id, lat, lon, started = person
    return [
        started,
        _ended(started),
        "IP Address",
        ip,
        "100" if finished else "45",
        "412" if finished else "95",
        "True" if finished else "False",
        _ended(started),
        response_id,
        last,
        first,
        email,
        "",
        lat,
        lon,
        "email",
        "EN",
    ]


def _csv(rows: list[list[str]], *, line_ending: str = "\r\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_ending).writerows(rows)
    return buffer.getvalue()


def qualtrics_rows(answers=ANSWERS) -> list[list[str]]:
    """The export's rows: its three header rows, then one row per response and one unfinished."""
    names = [name for name, _text, _id in QUALTRICS_METADATA] + QUALTRICS_QUESTION_COLUMNS
    texts = [text for _name, text, _id in QUALTRICS_METADATA] + QUESTIONS
    import_ids = [
        json.dumps({"ImportId": import_id, "timeZone": "Europe/London"})
        if "Date" in name
        else json.dumps({"ImportId": import_id})
        for name, _text, import_id in QUALTRICS_METADATA
    ]
    import_ids += [json.dumps({"ImportId": f"QID{n}"}) for n in range(1, len(QUESTIONS) + 1)]
    rows = [names, texts, import_ids]
    for person, answer in zip(itertools.cycle(PEOPLE), answers):
        rows.append(_qualtrics_metadata(person) + list(answer))
    rows.insert(6, _qualtrics_metadata(UNFINISHED, finished=False) + ["Year 2", "Most of them"] + [""] * 8)
    return rows


def qualtrics_csv(answers=ANSWERS, *, line_ending: str = "\r\n", bom: bool = True) -> bytes:
    """A Qualtrics "CSV, use choice text" download: UTF-8 with a byte-order mark, CRLF lines."""
    return (("\ufeff" if bom else "") + _csv(qualtrics_rows(answers), line_ending=line_ending)).encode()


def qualtrics_map() -> bytes:
    rows = [["column", "metric_key"], *zip(QUALTRICS_QUESTION_COLUMNS, METRIC_KEYS, strict=True)]
    return _csv(rows, line_ending="\n").encode()


def _google_choices(cell: str) -> str:
    return cell.replace(",", ", ")


def _google_question(text: str) -> str:
    """Google writes a grid's rows as "Question [Row]"; a checkbox question is its text alone."""
    if " - " in text and "Selected Choice" not in text:
        question, row = text.split(" - ", 1)
        return f"{question} [{row}]"
    return text.split(" (")[0]


GOOGLE_QUESTIONS = [_google_question(text) for text in QUESTIONS]


def google_forms_csv(answers=ANSWERS) -> bytes:
    """A Google Forms "Download responses (.csv)": UTF-8 without a byte-order mark, LF lines,
    the year as a bare number, several choices separated by ", "."""
    header = ["Timestamp", "Email address", "Your name (optional)", *GOOGLE_QUESTIONS]
    rows = [header]
    for person, answer in zip(itertools.cycle(PEOPLE), answers):
        first, last, email, _ip, _rid, _lat, _lon, started = person
        day, time = started.split(" ")
        stamp = f"{day.replace('-', '/')} {time} GMT"
        cells = list(answer)
        cells[0] = cells[0].removeprefix("Year ")
        cells[8] = _google_choices(cells[8])
        rows.append([stamp, email, f"{first} {last}", *cells])
    return _csv(rows, line_ending="\n").encode()


def google_forms_map() -> bytes:
    header = google_forms_csv().decode().splitlines()[0]
    names = next(csv.reader([header]))[3:]
    return _csv([["column", "metric_key"], *zip(names, METRIC_KEYS, strict=True)], line_ending="\n").encode()


def ms_forms_xlsx(answers=ANSWERS) -> bytes:
    """A Microsoft Forms "Open results in Excel" workbook: ID, times, e-mail and name, then the
    questions; several choices as "A;B;" with a trailing semicolon."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Last modified time",
            *QUESTIONS[:8],
            QUESTIONS[8].split(" (")[0],
            QUESTIONS[9],
        ]
    )
    for number, (person, answer) in enumerate(zip(itertools.cycle(PEOPLE), answers), start=1):
        first, last, email, _ip, _rid, _lat, _lon, started = person
        cells = list(answer)
        cells[8] = cells[8].replace(",", ";") + (";" if cells[8] else "")
        sheet.append([number, started, _ended(started), email, f"{first} {last}", "", *cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ms_forms_map() -> bytes:
    names = [*QUESTIONS[:8], QUESTIONS[8].split(" (")[0], QUESTIONS[9]]
    return _csv([["column", "metric_key"], *zip(names, METRIC_KEYS, strict=True)], line_ending="\n").encode()


def qualtrics_xlsx() -> bytes:
    """The same Qualtrics export downloaded as Excel: the three header rows, then the responses."""
    workbook = Workbook()
    for row in qualtrics_rows():
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def identifying_values() -> set[str]:
    """Every value of an identifying column in the exports: none may reach the database."""
    values = set()
    for person in [*PEOPLE, UNFINISHED]:
        first, last, email, ip, response_id, lat, lon, started = person
        values |= {last, email, ip, response_id, lat, lon, started, _ended(started), f"{first} {last}"}
    return values


def write_fixtures() -> None:
    """Write the committed example files (`exports/`), as the operations guide shows them."""
    EXPORTS.mkdir(exist_ok=True)
    (EXPORTS / "qualtrics.csv").write_bytes(qualtrics_csv())
    (EXPORTS / "qualtrics_map.csv").write_bytes(qualtrics_map())
    (EXPORTS / "google_forms.csv").write_bytes(google_forms_csv())
    (EXPORTS / "google_forms_map.csv").write_bytes(google_forms_map())
    (EXPORTS / "ms_forms_map.csv").write_bytes(ms_forms_map())


if __name__ == "__main__":
    write_fixtures()
