from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("sessions/<int:pk>/register/", views.RegisterView.as_view(), name="register"),
    path(
        "registrations/<int:pk>/cancel/confirm/", views.CancelRegistrationConfirmView.as_view(), name="cancel_confirm"
    ),
    path("my-sessions/", views.MySessionsView.as_view(), name="mine"),
    path("sessions/<int:pk>/check-in/", views.CheckInScreenView.as_view(), name="screen"),
    path("sessions/<int:pk>/check-in/state/", views.CheckInStateView.as_view(), name="screen_state"),
    path("sessions/<int:pk>/attendance/", views.RegisterSheetView.as_view(), name="sheet"),
    path("sessions/<int:pk>/attendance.csv", views.RegisterExportView.as_view(), name="sheet_csv"),
    path("sessions/<int:pk>/attendance/import/", views.AttendanceImportView.as_view(), name="import_report"),
    path("registrations/<int:pk>/certificate.pdf", views.AttendanceCertificateView.as_view(), name="certificate"),
    path("check-in/", views.CodeCheckInView.as_view(), name="code"),
    path("check-in/<int:pk>/<str:token>/", views.CheckInView.as_view(), name="check_in"),
]
