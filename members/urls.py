from django.urls import path

from members import views
from members.sign_in import microsoft_sign_in

app_name = "members"

urlpatterns = [
    # allauth's own address (the project's URLs put these first), so that the Microsoft button
    # keeps its "Keep me signed in" choice.
    path("accounts/microsoft/login/", microsoft_sign_in),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/close/", views.CloseAccountView.as_view(), name="close_account"),
    path("members/import/", views.MemberImportView.as_view(), name="import"),
    path("profile/year/", views.YearOfStudyRequestView.as_view(), name="year_request"),
    path("profile/year/withdraw/", views.WithdrawYearOfStudyRequestView.as_view(), name="withdraw_year_request"),
    path("members/year-requests/", views.YearOfStudyRequestQueueView.as_view(), name="year_requests"),
    path(
        "members/year-requests/<int:pk>/decide/",
        views.DecideYearOfStudyRequestView.as_view(),
        name="decide_year_request",
    ),
]
