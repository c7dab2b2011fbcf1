"""What a portfolio certificate says (a `certificates.document`): the portfolio as it reads when
issued, with the committee's sign-off."""

from django.conf import settings
from django.utils import timezone

from certificates import document
from feedback.enums import MetricKey
from feedback.results import Figures
from portfolio.selectors import Portfolio
from teachers.certificates import day_text, sign_off


def _figure_cells(figures: Figures | None) -> list[str]:
    """Mean (of 5), agree, answers: as the results pages show them, nothing where they show nothing."""
    if figures is None:
        return ["–", "–", "0"]
    if not figures.is_shown:
        return ["–", "–", f"{figures.n} (too few to show)"]
    agree = f"{figures.agree_pct}%" if figures.agree_pct is not None else "–"
    return [str(figures.mean), agree, str(figures.n)]


def _session_label(session) -> str:
    return f"{session.title}, {day_text(timezone.localtime(session.starts_at).date())}"


def _feedback_section(portfolio: Portfolio) -> dict:
    if not portfolio.metrics:
        return document.paragraphs(
            "Feedback",
            [f"No session has {portfolio.minimum} responses yet, so no feedback figures can be shown."],
        )
    names = [str(MetricKey(question.metric_key).label) for question in portfolio.metrics]
    rows: list = [document.heading_row(f"All sessions shown ({portfolio.responses} responses)")]
    rows += [[name, *_figure_cells(question.figures)] for name, question in zip(names, portfolio.metrics, strict=True)]
    for row in portfolio.sessions:
        if not row.is_counted:
            rows.append(
                document.heading_row(f"{_session_label(row.session)}: fewer than {portfolio.minimum} responses")
            )
            continue
        rows.append(document.heading_row(_session_label(row.session)))
        rows += [[name, *_figure_cells(figures)] for name, figures in zip(names, row.figures, strict=True)]
    return document.table("Feedback", ["Question", "Mean (of 5)", "Agree", "Answers"], rows, numeric=[1, 2, 3])


def portfolio_body(portfolio: Portfolio) -> dict:
    teacher = portfolio.teacher
    name = teacher.get_full_name() or teacher.email
    count = len(portfolio.sessions)
    sections = [
        document.table(
            "Sessions taught",
            ["Date", "Session", "Years", "Format", "Role", "Registered", "Attended"],
            [
                [
                    day_text(timezone.localtime(row.session.starts_at).date()),
                    row.session.title,
                    row.target_years_text,
                    str(row.session.get_format_display()),
                    row.role,
                    str(row.registered),
                    str(row.attended),
                ]
                for row in portfolio.sessions
            ],
            numeric=[5, 6],
        ),
        _feedback_section(portfolio),
    ]
    if portfolio.picked:
        sections.append(document.quotes("Comments from attendees", [comment.text for comment in portfolio.picked]))
    return document.document(
        heading="Teaching portfolio",
        statement=(
            f"This certifies that {name} taught {count} session{'s' if count != 1 else ''} as a student-teacher of "
            f"{settings.SOCIETY_NAME}, {portfolio.hours_text} hours in all, attended by {portfolio.attended} "
            f"student{'s' if portfolio.attended != 1 else ''}."
        ),
        sections=sections,
        sign_off=sign_off(teacher=teacher, approval=portfolio.approval),
        notes=[
            f"Feedback is anonymous. A session's figures are shown once {portfolio.minimum} attendees have "
            "responded, and the figures for all sessions add up only the sessions shown. Mean: the average "
            "answer from 1 to 5. Agree: the share answering agree or strongly agree.",
            "Comments are quoted as written, chosen by the teacher from their sessions' feedback.",
        ],
    )
