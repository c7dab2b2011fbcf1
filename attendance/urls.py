from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("sessions/<int:pk>/register/", views.RegisterView.as_view(), name="register"),
    path("registrations/<int:pk>/cancel/", views.CancelRegistrationView.as_view(), name="cancel"),
    path("my-sessions/", views.MySessionsView.as_view(), name="mine"),
]
