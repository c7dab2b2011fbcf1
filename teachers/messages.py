"""What teachers and applicants are told (registered with `notifications.registry` by
`TeachersConfig.ready()`): the committee's decision on an application, and an invitation to
co-teach a session."""

from events.enums import SessionStatus
from events.messages import session_context
from meded.links import url_for
from notifications import registry
from notifications.enums import MessageKind
from notifications.registry import Batch, NotWanted
from teachers.enums import InvitationStatus
from teachers.models import CoTeachingInvitation, TeacherApplication


def _application(message, application: TeacherApplication, batch: Batch) -> dict:
    return {
        "application": application,
        "dashboard_url": url_for("teachers:dashboard"),
        "apply_url": url_for("teachers:apply"),
    }


def _invitation(message, invitation: CoTeachingInvitation, batch: Batch) -> dict:
    if invitation.status != InvitationStatus.PENDING:
        raise NotWanted("The invitation has been answered.")
    if invitation.session.status in (SessionStatus.CANCELLED, SessionStatus.COMPLETED):
        raise NotWanted("The session has been cancelled or has taken place.")
    return session_context(invitation.session, invitation=invitation, dashboard_url=url_for("teachers:dashboard"))


registry.register_kind(MessageKind.APPLICATION_APPROVED, _application)
registry.register_kind(MessageKind.APPLICATION_DECLINED, _application)
registry.register_kind(MessageKind.CO_TEACHING_INVITATION, _invitation)
