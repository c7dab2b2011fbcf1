from django.urls import path

from teachers import views

app_name = "teachers"

urlpatterns = [
    path("teaching/", views.TeachingDashboardView.as_view(), name="dashboard"),
    path("teaching/propose/", views.ProposeSessionView.as_view(), name="propose"),
    path("sessions/import/", views.TimetableImportView.as_view(), name="import_sessions"),
]
