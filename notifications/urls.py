from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("profile/emails/", views.PreferencesView.as_view(), name="preferences"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
