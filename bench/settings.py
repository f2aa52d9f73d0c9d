"""Production settings plus the benchmark's trivial view (bench/urls.py): the
baseline that every page's requests/s is compared with."""

from config.settings.production import *

ROOT_URLCONF = "bench.urls"
