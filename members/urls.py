from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("members/import/", views.MemberImportView.as_view(), name="import"),
]
