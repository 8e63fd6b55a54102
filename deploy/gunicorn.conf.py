"""gunicorn's settings for Opt-Out Tracker: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be changed with an environment variable, so the Procfile and the
systemd unit stay the same everywhere (docs/deployment.md explains the choices).
"""

from __future__ import annotations

import multiprocessing
import os

# Behind the reverse proxy on the same machine: 127.0.0.1 only. PORT is what
# platforms that read a Procfile give; GUNICORN_BIND wins when set.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

# Synchronous workers: each answers one request at a time, so the number of workers
# is the number of requests served at once. Pages are database-bound; two per core
# (plus one) keeps the cores busy while others wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request running longer than this is killed and its worker restarted: no page or
# API call should take more than a few seconds (exports stream in pieces).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Time a worker gets to finish its request on a restart or a deploy.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# The proxy keeps connections open to gunicorn; a few seconds is enough.
keepalive = 5

# Restart each worker after a number of requests (spread out, so not all at once):
# a slow leak in any library never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# Request size: the request line and headers are bounded here; the body is bounded by
# the proxy (client_max_body_size / request_body max_size) and again by the app
# (REQUEST_MAX_BYTES, a 413 before the body is read).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# The proxy on this machine is trusted to say the client used https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs on standard error for systemd's journal or the platform's collector; with
# LOG_FORMAT=json, one JSON object a line, as the application writes them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT") == "json":
    access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {
                "handlers": ["console"],
                "level": loglevel.upper(),
                "propagate": False,
            },
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
