from django.db import models
from django.utils.translation import gettext_lazy as _


class TeachingRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    CO_TEACHER = "co_teacher", _("Co-teacher")


class Motivation(models.TextChoices):
    """Why members teach: the study's motivations, counted on the dashboard."""

    HELPING_OTHERS = "helping_others", _("Helping others")
    TRANSFERABLE_SKILLS = "transferable_skills", _("Developing transferable skills such as presenting and leadership")
    CONSOLIDATING_KNOWLEDGE = "consolidating_knowledge", _("Consolidating my own knowledge")
    CAREER = "career", _("Career and portfolio evidence")
    ENJOYMENT = "enjoyment", _("Enjoying teaching")
    COMMUNITY = "community", _("Being part of the community")
    OTHER = "other", _("Other")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a reply")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
