from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/my-data/", views.MyDataView.as_view(), name="my_data"),
    path("profile/close/", views.CloseAccountView.as_view(), name="close_account"),
    path("members/import/", views.MemberImportView.as_view(), name="import"),
]
