from feedback.views import answering, builder, coding, results, surveys

app_name = "feedback"

urlpatterns = [
    *answering.urlpatterns,
    *builder.urlpatterns,
    *results.urlpatterns,
    *surveys.urlpatterns,
    *coding.urlpatterns,
]
