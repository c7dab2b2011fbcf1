from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("sessions/", views.CatalogueView.as_view(), name="catalogue"),
    path("sessions/approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="detail"),
    path("sessions/<int:pk>/edit/", views.SessionEditView.as_view(), name="edit"),
    path("sessions/<int:pk>/submit/", views.SessionSubmitView.as_view(), name="submit"),
    path("sessions/<int:pk>/cancel/", views.SessionCancelView.as_view(), name="cancel"),
]
