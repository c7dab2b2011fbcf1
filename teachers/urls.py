from django.urls import path

from teachers import views

app_name = "teachers"

urlpatterns = [
    path("teaching/", views.TeachingDashboardView.as_view(), name="dashboard"),
    path("teaching/propose/", views.ProposeSessionView.as_view(), name="propose"),
    path("sessions/import/", views.TimetableImportView.as_view(), name="import_sessions"),
    path("teaching/apply/", views.ApplyToTeachView.as_view(), name="apply"),
    path("teaching/applications/", views.ApplicationQueueView.as_view(), name="applications"),
    path("sessions/<int:pk>/invite/", views.InviteCoTeacherView.as_view(), name="invite"),
    path("teaching/invitations/<int:pk>/", views.AnswerInvitationView.as_view(), name="answer_invitation"),
    path("teaching/log/", views.TeachingLogView.as_view(), name="log"),
]
