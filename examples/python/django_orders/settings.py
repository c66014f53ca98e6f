"""Settings of the Django example: one view, no database, logging from LOG_LEVEL.

    DJANGO_SETTINGS_MODULE=django_orders.settings \
      opentelemetry-instrument python manage.py runserver --noreload 8001

The Django instrumentation needs DJANGO_SETTINGS_MODULE in the environment to add its middleware;
--noreload keeps runserver in the one process the instrumentation was loaded in.
"""

import os

from logsetup import LOG_FORMAT, log_level

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "django_orders.urls"
INSTALLED_APPS: list[str] = []
DATABASES: dict = {}
USE_TZ = True

# Django applies this with dictConfig(); the OpenTelemetry handler on the root logger stays.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": log_level()},
}
