"""Blue Heart settings, read from the environment (see README "Configuration").

With no environment at all the site runs on SQLite, runs Celery tasks in-process
and prints emails to the console, so a fresh checkout works with one command.
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab, schedule
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import (
    CONSOLE_MAILER,
    anymail_settings,
    env_bool,
    env_int,
    env_int_list,
    env_list,
    env_networks,
    env_rate,
    env_site_url,
    env_str,
    mail_provider,
    parse_database_url,
    parse_email_url,
    parse_redis_url,
    redis_neighbour_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
REDIS_URL = env_str("REDIS_URL")
_email_url = env_str("EMAIL_URL")
# Production fails closed: each of these has a development default that must
# never serve real supporters.
_PRODUCTION_REQUIRES = {
    "SECRET_KEY": "it signs sessions and confirmation links",
    "ALLOWED_HOSTS": "the host names the site answers to",
    "EMAIL_URL": "a mail server (smtp://, smtps://) or provider (mailgun://, postmark://, "
    "sendgrid://, ses://); console email is for development",
    # Without a broker, tasks run inside the request: SMTP on the signing
    # request, and a response time that tells whether an address already signed.
    "REDIS_URL": "the task broker; without it emails would be sent inside the request",
}
if not DEBUG:
    _given = {
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": ALLOWED_HOSTS,
        "EMAIL_URL": _email_url,
        "REDIS_URL": REDIS_URL,
    }
    missing = [name for name, value in _given.items() if not value]
    if missing:
        reasons = "; ".join(f"{name}: {_PRODUCTION_REQUIRES[name]}" for name in missing)
        raise ImproperlyConfigured(
            f"DEBUG is off (production), so {', '.join(missing)} must be set ({reasons})."
        )
SECRET_KEY = SECRET_KEY or "django-insecure-development-key-only-for-debug-mode"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

SITE_URL = env_site_url("SITE_URL", default="http://127.0.0.1:8000")
SITE_HOST = SITE_URL.split("://", 1)[1].split(":", 1)[0]

# The proxies in front of the site (addresses or networks, e.g. "127.0.0.1,10.0.0.0/8").
# Only a request that one of them handed us has its X-Forwarded-For read (see
# abuse/clients.py); without any, the client is the socket's peer, whatever
# headers it sends.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

# Rate limits (abuse/limits.py): how often one network (an IPv4 address or an
# IPv6 /64), one email domain and one address may use each public form that sends
# an email or changes a supporter's choices, counted in fixed windows in the cache.
# A network is generous (an event's Wi-Fi, a school, a mobile carrier's shared
# address), a domain more so (gmail.com has many real supporters), an address
# a handful a day: nobody needs more, and a script gets no further.
RATE_LIMIT_PER_NETWORK = env_rate("RATE_LIMIT_PER_NETWORK", "100/h")
RATE_LIMIT_PER_DOMAIN = env_rate("RATE_LIMIT_PER_DOMAIN", "5000/h")
RATE_LIMIT_PER_ADDRESS = env_rate("RATE_LIMIT_PER_ADDRESS", "5/d")
# The most emails one address is sent in a UTC day through the outbox (pledge
# emails, new links, launch sign-ups, sign-in codes), whoever asked: past it an
# email is dropped, not sent (core/outbox.py, abuse.EmailAllowance).
EMAIL_DAILY_CAP_PER_ADDRESS = env_int("EMAIL_DAILY_CAP_PER_ADDRESS", 5, minimum=1)

# More than ABUSE_NETWORK_BURST signatures from one network (abuse/clients.py)
# within ABUSE_NETWORK_WINDOW seconds hold all of them as suspect, uncounted
# until an administrator reviews them (abuse/suspicion.py).
ABUSE_NETWORK_BURST = env_int("ABUSE_NETWORK_BURST", 5, minimum=1)
ABUSE_NETWORK_WINDOW = env_int("ABUSE_NETWORK_WINDOW", 600, minimum=1)

INSTALLED_APPS = [
    # Django's admin, behind our rules and MFA (accounts/admin_site.py).
    "accounts.apps.BlueHeartAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_countries",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "simple_history",
    "core",
    "accounts",
    "campaign",
    "pages",
    "pledges",
    "badges",
    "sharing",
    "mailings",
    # Organisers' figures: counts over time, and synthetic data to try them on.
    "reports",
    # Rate limits, traps and the signals that hold suspect pledges back.
    "abuse",
    # Sending through a mail provider, and its tracking webhooks (mailings/webhooks.py).
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy (core/headers.py); before
    # WhiteNoise, so static files carry them too.
    "core.headers.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before LocaleMiddleware, to take back the Vary: Accept-Language it adds to the
    # API's and the widgets' answers, which no language changes (core/languages.py).
    "core.languages.unvary_language",
    "django.middleware.locale.LocaleMiddleware",
    # A first visit to an unprefixed page goes to the browser's language
    # (core/languages.py); before any view serves a shared page copy.
    "core.languages.first_visit_language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records who made each content revision (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.languages.languages",
                "accounts.context_processors.staff",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": parse_database_url("DATABASE_URL", _database_url)}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "blueheart.sqlite3",
            # Concurrent writers wait for the lock instead of failing at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker in the database REDIS_URL names, the cache in its
# neighbour (n ^ 1: 0 <-> 1, 14 <-> 15), so clearing the cache (FLUSHDB) never
# drops a queued task. Without REDIS_URL (development only), tasks run in-process.
if REDIS_URL:
    parse_redis_url("REDIS_URL", REDIS_URL)
    CACHES = {
        "default": {
            # django-redis, not Django's own RedisCache: that one builds a
            # redis-py client for every call (89 of its 213 µs per read here);
            # this one keeps one per process.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_neighbour_url(REDIS_URL),
            "KEY_PREFIX": "blueheart",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Per-process memory for what every worker can rebuild alone (rendered pages
# that depend only on the code, the path and the language); no network hop.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# An email that fails in-process must not turn a signature into an error page;
# the unsent-email sweep retries it.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# Fault tolerance (README "Fault tolerance"). A task is acknowledged once it has
# run, not when a worker takes it, and is handed back if its worker process dies:
# a killed worker's task runs again, and every task is safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When Redis is down, queuing must fail fast: the request is already saved and the
# sweep below hands it out again later (core/queue.py publishes without retries).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A task taken by a worker that vanished whole (killed, its machine gone) goes back
# to the queue this long after it was taken. Longer than any task runs and than the
# longest countdown (a mailing's retry, 16 x MAILING_RETRY_BASE_SECONDS): Redis
# would otherwise hand out again a task that is still running or waiting.
BROKER_VISIBILITY_TIMEOUT = env_int("BROKER_VISIBILITY_TIMEOUT", 3600, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
}
# While the database is unreachable, a page that needs it answers a translated 503
# with Retry-After, not the 500 page (core/middleware.py). Last, so that it is the
# first to see a view's error.
MIDDLEWARE.append("core.middleware.DatabaseUnavailableMiddleware")
CELERY_BEAT_SCHEDULE = {
    # Hands lost requests and owed emails to the workers; it sends nothing itself.
    "sweep": {
        "task": "pledges.tasks.sweep",
        "schedule": schedule(timedelta(seconds=30)),
    },
    # Hands lost outgoing messages (allauth's codes) to the workers; sends nothing.
    "sweep-outgoing": {
        "task": "core.tasks.sweep_outgoing",
        "schedule": schedule(timedelta(seconds=30)),
    },
    # Launch day: launches the countries whose day has come and starts one launch
    # mailing per launched country (mailings sends it); it sends nothing itself.
    "launch-emails": {
        "task": "campaign.tasks.send_launch_emails",
        "schedule": schedule(timedelta(minutes=5)),
    },
    # Hands lost launch sign-ups and their owed emails to the workers.
    "sweep-launch-signups": {
        "task": "campaign.tasks.sweep",
        "schedule": schedule(timedelta(seconds=30)),
    },
    "reconcile-counts": {
        "task": "pledges.tasks.reconcile_counts",
        "schedule": schedule(timedelta(minutes=10)),
    },
    # Retention: pledges never confirmed, 30 days after their last signature.
    # At a fixed time, so restarting the beat never postpones it.
    "purge-stale": {
        "task": "pledges.tasks.purge_stale",
        "schedule": crontab(hour=3, minute=17),
    },
    # Starts scheduled mailings and restarts runs whose tasks were lost (mailings).
    "sweep-mailings": {
        "task": "mailings.tasks.sweep",
        "schedule": schedule(timedelta(seconds=30)),
    },
    # Milestones passed since the last check: told once (mailings/milestones.py).
    "check-milestones": {
        "task": "mailings.tasks.check_milestones",
        "schedule": schedule(timedelta(seconds=60)),
    },
    # The organisers' weekly digest, Monday morning (once per ISO week).
    "weekly-digest": {
        "task": "mailings.tasks.weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    # Retention: the record of each campaign email, 90 days after it went.
    "purge-deliveries": {
        "task": "mailings.tasks.purge_deliveries",
        "schedule": crontab(hour=3, minute=37),
    },
    # Retention: large exports' files, 24 hours after they were made (reports).
    "purge-exports": {
        "task": "reports.tasks.purge_exports",
        "schedule": crontab(hour=3, minute=47),
    },
    # Weekly exports by email, Monday morning (once per ISO week).
    "weekly-exports": {
        "task": "reports.tasks.weekly_exports",
        "schedule": crontab(day_of_week="mon", hour=7, minute=15),
    },
    # The organisers' counts over time (reports/rollup.py): rebuilds the rollup of
    # closed days once a day closes or a change to one waits (within the minute),
    # and counts the pending pledges. Cheap when there is nothing to rebuild.
    "refresh-daily-counts": {
        "task": "reports.tasks.refresh_daily_counts",
        "schedule": schedule(timedelta(minutes=1)),
    },
    # Retention: launch sign-ups never confirmed (as pledges), or left over.
    "purge-launch-signups": {
        "task": "campaign.tasks.purge_launch_signups",
        "schedule": crontab(hour=3, minute=27),
    },
}

# Email: in development printed to the console, readable (config/console_email.py),
# unless EMAIL_URL names a server; production requires a server (above).
MAILERS = {
    "default": parse_email_url("EMAIL_URL", _email_url, production=not DEBUG)
    if _email_url
    else dict(CONSOLE_MAILER)
}
# A mail provider in EMAIL_URL (mailgun://, postmark://, sendgrid://, ses://) sends
# through django-anymail; its scheme here, None for SMTP or the console. Its tracking
# webhook (mailings/webhooks.py) answers only with EMAIL_WEBHOOK_SECRET set, which
# production requires, with the provider's signing key where it signs (Mailgun).
MAIL_PROVIDER = mail_provider(MAILERS["default"])
ANYMAIL = anymail_settings(
    MAIL_PROVIDER,
    secret=env_str("EMAIL_WEBHOOK_SECRET"),
    signing_key=env_str("EMAIL_WEBHOOK_SIGNING_KEY"),
    production=not DEBUG,
)
# Mailings (mailings/sending.py): bulk mail (updates, milestones, launches) goes
# at most this fast, over every worker (0: as fast as the workers go; set your
# provider's limit). A batch is claimed and sent over one connection.
MAILING_RATE_PER_MINUTE = env_int("MAILING_RATE_PER_MINUTE", 0)
MAILING_BATCH_SIZE = env_int("MAILING_BATCH_SIZE", 100, minimum=1)
# How many batches of one run may be sent at once (by different workers).
MAILING_SEND_CHAINS = env_int("MAILING_SEND_CHAINS", 4, minimum=1)
# A temporary failure is tried again after this, then twice as long each time.
MAILING_RETRY_BASE_SECONDS = env_int("MAILING_RETRY_BASE_SECONDS", 60, minimum=1)
# World and country totals whose passing is announced, once each.
MILESTONES = env_int_list("MILESTONES", [1_000, 10_000, 100_000, 1_000_000])
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Blue Heart <no-reply@{SITE_HOST}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Who is responsible for supporters' data, shown on the privacy page only where
# set: the site never invents a legal entity or a contact.
DATA_CONTROLLER_NAME = env_str("DATA_CONTROLLER_NAME")
DATA_CONTROLLER_CONTACT = env_str("DATA_CONTROLLER_CONTACT")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Signing in (django-allauth): email addresses only, and the way in is a code sent
# by email. Signing up asks for the address alone, verified by a code too; without
# a password field at sign-up, allauth's sign-in form has none either, so it sends
# a code. allauth's rate limits are on (its defaults, kept in the cache).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
# The same answer and the same email traffic whether or not an address has an
# account: the site never tells who has one (allauth's default, stated here).
ACCOUNT_PREVENT_ENUMERATION = True
# accounts.User keeps AbstractUser's unique username; the adapter fills it with a
# random value, so it holds nothing personal, and people are shown by address.
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
# No "Remember me" box: it applies to password sign-ins only, so beside a code it
# would do nothing. A session lasts SESSION_COOKIE_AGE either way.
ACCOUNT_SESSION_REMEMBER = True
# Our subjects name the campaign themselves (templates/account/email/).
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
LOGIN_URL = "account_login"
# URL names, reversed in the visitor's language (/pt/my-pledge/).
LOGIN_REDIRECT_URL = "my-pledge"
LOGOUT_REDIRECT_URL = "campaign:home"
# Two-factor authentication (allauth.mfa): an authenticator app with recovery
# codes, both usable without JavaScript. WebAuthn is left out: adding or using a
# security key needs JavaScript, and without it allauth's pages offer a button
# that does nothing; every page here works without JavaScript.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Blue Heart"
# allauth's own rate limits (its per-minute defaults, kept) plus ours per network
# and per address, counted by allauth against the client address that
# abuse.clients reads (AccountAdapter.get_client_ip); over them, allauth answers
# with our 429 page (config.urls.handler429). Our forms add the honeypot, the
# disposable-domain check and the per-domain limit (accounts/forms.py).
_per_network = f"{RATE_LIMIT_PER_NETWORK.count}/{RATE_LIMIT_PER_NETWORK.seconds}s/ip"
_per_address = f"{RATE_LIMIT_PER_ADDRESS.count}/{RATE_LIMIT_PER_ADDRESS.seconds}s/key"
ACCOUNT_RATE_LIMITS = {
    "login": f"30/m/ip,{_per_network}",
    "signup": f"20/m/ip,{_per_network}",
    "request_login_code": f"20/m/ip,{_per_network},3/m/key,{_per_address}",
}
ACCOUNT_FORMS = {
    "login": "accounts.forms.SignInForm",
    "request_login_code": "accounts.forms.RequestCodeForm",
    "signup": "accounts.forms.SignUpForm",
}

# Languages: the six official languages of the United Nations, and Portuguese
# for the Portugal launch. Each but English (the language the strings are
# written in) has a complete catalog in locale/ (tests/test_translations.py).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("pt", _("Portuguese")),
]
# The languages campaign content (country and information pages) can be written
# in: the six UN languages and Portuguese. Independent of the interface's
# LANGUAGES: a moderator may write a page in a language whose interface
# catalog has not arrived yet.
CONTENT_LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("pt", _("Portuguese")),
]
# Pages for signed-in people, links only their owner has, and staff tools: no
# crawler has any business there, in any language. robots.txt disallows them, and
# their pages list no hreflang alternates (core/languages.py).
NOT_FOR_CRAWLERS = [
    "/accounts/",
    "/admin/",
    "/confirm/",
    "/countries/notify/",
    "/my-pledge/",
    "/staff/",
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Our few departures from Django's locale formats (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise expects the folder even before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Exports estimated above this many rows (days times countries in scope) are
# built by a worker and their link emailed, rather than streamed in the request.
EXPORT_STREAM_MAX_ROWS = env_int("EXPORT_STREAM_MAX_ROWS", default=200_000)
# Uploaded hero images; served by core.views.media (see there). Large exports
# are written under exports/, which nothing serves: only their owner's link
# (reports.staff_views.export_file) reads them.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# No third-party requests, ever: everything comes from our own origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    # No site may frame ours (as X-Frame-Options says to older browsers); the
    # widgets under /embed/ say otherwise for themselves (widgets/views.py).
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Other sites' pages may load our responses only where they are meant to
# (core/headers.py: the widgets, badge and share images, the open data API).
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# Powerful features no page here uses, refused to every page and to whatever it
# frames (Permissions-Policy, core/headers.py). Not web-share: the Share… button
# uses it (static/js/share.js). publickey-credentials-*: WebAuthn is off
# (MFA_SUPPORTED_TYPES); turning it on means taking those two out.
PERMISSIONS_POLICY = [
    "accelerometer",
    "ambient-light-sensor",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "interest-cohort",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie: forms carry the token, so a script
# injected into a page cannot read it either.
CSRF_COOKIE_HTTPONLY = True

if SITE_URL.startswith("https://"):
    SECURE_SSL_REDIRECT = True
    # Behind a TLS-terminating proxy, which must set this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [SITE_URL]

# The tokens of links (confirm, unsubscribe, exports…) and secret query values
# never reach a log (core/logs.py): cut out where Django logs paths (at those
# loggers, before any handler, Django's own included), and by every handler of ours.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "core.logs.RedactSecrets"},
        "without_template_context": {"()": "core.logs.WithoutTemplateContext"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # runserver's request lines, as Django's default logging writes them.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # "Not Found: /confirm/<token>/", "Forbidden (CSRF token missing.): <path>".
        "django.request": {"filters": ["redact_secrets"]},
        "django.security.csrf": {"filters": ["redact_secrets"]},
        # Its debug lines would repeat a template's whole context (an address, say).
        "django.template": {"filters": ["without_template_context"]},
        # runserver: "GET /confirm/<token>/ HTTP/1.1" 200.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_secrets"],
        },
    },
}
