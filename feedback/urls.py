from feedback.views import answering, builder, coding, interviews, results, survey_import, surveys

app_name = "feedback"

urlpatterns = [
    *answering.urlpatterns,
    *builder.urlpatterns,
    *results.urlpatterns,
    *survey_import.urlpatterns,
    *surveys.urlpatterns,
    *coding.urlpatterns,
    *interviews.urlpatterns,
]
