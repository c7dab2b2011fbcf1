from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.DashboardView.as_view(), name="dashboard"),
    path("analytics/metrics.json", views.MetricsJSONView.as_view(), name="metrics_json"),
    path("analytics/metrics.csv", views.MetricsCSVView.as_view(), name="metrics_csv"),
    path("analytics/tables/<slug:table>.csv", views.TableCSVView.as_view(), name="table_csv"),
]
