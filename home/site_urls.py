from django.urls import path

from home.views import HomeView

# The site's root, named "home" outside the app's namespace: every page links to it as {% url 'home' %}.
urlpatterns = [
    path("", HomeView.as_view(), name="home"),
]
