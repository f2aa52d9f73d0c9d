"""Settings for `make test`: same database and broker choice as local, fast hashing."""

from .base import *

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker tests hand their worker a recording backend (tests/nudges/mail_backends.py).
EMAIL_BACKEND = os.environ.get("PEERLOOP_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
ACCOUNT_RATE_LIMITS = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a real worker process started by a test can open
    # it; one per test run, so runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-peerloop-{os.getpid()}.sqlite3")}

# Tests that need no worker run tasks in-process after commit; worker tests
# switch this off and start a real worker against the configured broker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    **(
        {
            "data_folder_in": str(VAR_DIR / "test-broker" / "queue"),
            "data_folder_out": str(VAR_DIR / "test-broker" / "queue"),
            "processed_folder": str(VAR_DIR / "test-broker" / "processed"),
            "control_folder": str(VAR_DIR / "test-broker" / "control"),
        }
        if CELERY_BROKER_URL.startswith("filesystem://")
        else {}
    ),
}
BROKER_DATA_DIR = VAR_DIR / "test-broker"

# Whitenoise warns at start-up when STATIC_ROOT does not exist; collectstatic
# is for production, so point it at an empty folder under var/.
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Uploaded attachments of one test run stay apart from the local server's.
PRIVATE_MEDIA_ROOT = VAR_DIR / f"test-private-{os.getpid()}"
