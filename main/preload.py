"""Imported by uWSGI's master before it forks (`shared-import` in uwsgi.ini), so each worker
starts with the gazetteer built (copy-on-write) instead of spending two seconds on it."""

from main.resources.gazetteer import shared_gazetteer
from main.util.heap import freeze_startup_objects

shared_gazetteer().warm()
freeze_startup_objects()
