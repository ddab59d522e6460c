"""The coordinators' dashboard in the browser: an HTTP adapter over core.dashboard.

Server-rendered HTML (adapters/web/pages.py), charts drawn as SVG here
(adapters/web/charts.py) and our own stylesheet (static/dashboard.css): nothing is fetched
from anywhere else, and every page reads without script.
"""
