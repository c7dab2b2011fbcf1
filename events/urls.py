from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("sessions/", views.CatalogueView.as_view(), name="catalogue"),
    path("sessions/month/", views.CatalogueMonthView.as_view(), name="month"),
    path("sessions/approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="detail"),
    path("sessions/<int:pk>/edit/", views.SessionEditView.as_view(), name="edit"),
    path("sessions/<int:pk>/submit/", views.SessionSubmitView.as_view(), name="submit"),
    path("sessions/<int:pk>/cancel/", views.SessionCancelView.as_view(), name="cancel"),
    path("sessions/<int:pk>/calendar.ics", views.SessionCalendarView.as_view(), name="ics"),
    path("sessions/<int:pk>/materials/", views.MaterialAddView.as_view(), name="add_material"),
    path("sessions/<int:pk>/recording/", views.RecordingView.as_view(), name="recording"),
    path("materials/<int:pk>/", views.MaterialView.as_view(), name="material"),
    path("materials/<int:pk>/delete/", views.MaterialDeleteView.as_view(), name="delete_material"),
    path("calendar/", views.CalendarSettingsView.as_view(), name="calendar"),
    path("calendar/year-<int:year>.ics", views.YearFeedView.as_view(), name="year_feed"),
    path("calendar/<str:token>.ics", views.PersonalFeedView.as_view(), name="personal_feed"),
]
