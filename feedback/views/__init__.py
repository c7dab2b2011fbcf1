"""Feedback views, one module per journey; each module lists its own `urlpatterns`."""
