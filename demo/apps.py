from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py seed_demo`: a society with history, built from every app's own demo data, for a
    newcomer's first run (`make run`). Above every app, and imported by none."""

    name = "demo"
    verbose_name = "Demo data"
