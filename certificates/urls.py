from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/<str:code>.pdf", views.CertificatePdfView.as_view(), name="pdf"),
    path("verify/<str:code>/", views.VerifyCertificateView.as_view(), name="verify"),
]
