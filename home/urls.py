from django.urls import path

from home import views

app_name = "home"

# The home page itself is the site's root, named "home" outside this namespace: home/site_urls.py.
urlpatterns = [
    path("profile/my-data/", views.MyDataView.as_view(), name="my_data"),
]
