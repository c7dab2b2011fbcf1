from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
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
