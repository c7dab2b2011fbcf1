from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("teaching/portfolio/", views.PortfolioView.as_view(), name="mine"),
]
