from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from events.attendees import attendees_asked
from events.session_page import session_page_shown
from members.closing import closing_cancels


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        # Imported here: these modules import models, not loaded until the registry is ready.
        from attendance import (
            attendees,
            closing,
            messages,  # noqa: F401 -- registers its message kinds and sweeps with notifications
            session_page,
        )

        closing_cancels.connect(closing.cancel_upcoming_places, dispatch_uid="attendance.cancel_upcoming_places")
        session_page_shown.connect(session_page.waitlist_place, dispatch_uid="attendance.waitlist_place")
        attendees_asked.connect(attendees.count_attendees, dispatch_uid="attendance.count_attendees")
