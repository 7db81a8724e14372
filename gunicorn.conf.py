"""gunicorn's production settings: `gunicorn wangge.wsgi` from the repository root reads this file.

Every value can be changed by the environment named beside it. `make loadtest` runs gunicorn
with exactly this file (loadtest/README.md), and measures the two choices below that matter on a
round's morning:

* keep-alive. A table's phone sends an upload each time someone is swabbed, so its connection
  sits idle between two uploads for a few seconds (tens of seconds at a quiet table). gunicorn's
  default of 2 s closed the idle connection before 38% of the uploads at the round's mean rate: a
  new TCP (and, behind TLS, a new handshake) per upload, and a POST sent on a connection the
  server is closing at that instant fails on the phone and waits for its retry. 75 s (nginx's
  default) outlasts a table's gap between two uploads; an idle connection costs a worker only a
  socket in its poller (gthread), never a thread.

* connections that move. A keep-alive connection stays with the worker that accepted it. When a
  worker dies (SIGKILL, OOM, timeout), its tables reconnect at once, while its replacement is
  still importing Django, so all of them land on the survivors and stay there for the rest of the
  morning: the replacement took no uploads and p50 went 130 -> 480 ms. gunicorn closes a
  connection after WANGGE_MAX_REQUESTS_PER_CONNECTION requests on it (`pre_request` below sets
  `Connection: close` on that answer); the client opens a new one, which whichever worker is free
  accepts, so the load spreads again within that many requests per table. `max_requests` (with
  jitter, so that workers do not restart together) recycles a worker now and then as well, which
  also bounds any slow leak; on its own it would move connections far too slowly.

Behind a reverse proxy that balances per request (nginx `upstream` with keep-alive to several
gunicorn instances), the per-connection limit only matters between the proxy and gunicorn.
"""

import os

bind = os.environ.get("WANGGE_BIND", "127.0.0.1:8000")
# Two workers of four threads on two cores (issue 14): the database does most of the work.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WANGGE_THREADS", "4"))
# Longer than a table's gap between two uploads (see above).
keepalive = int(os.environ.get("WANGGE_KEEPALIVE", "75"))
# A request that takes longer than this has its worker killed and replaced.
timeout = int(os.environ.get("WANGGE_TIMEOUT", "30"))
# On SIGTERM/HUP, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("WANGGE_GRACEFUL_TIMEOUT", "30"))
# Recycle a worker after about this many requests (0: never); jitter spreads the restarts.
max_requests = int(os.environ.get("WANGGE_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("WANGGE_MAX_REQUESTS_JITTER", "2000"))
# Close a keep-alive connection after this many requests (0: never), so that clients spread
# over the workers again after one is replaced (see above).
max_requests_per_connection = int(os.environ.get("WANGGE_MAX_REQUESTS_PER_CONNECTION", "25"))
backlog = 2048
# Logs to the console (the service manager keeps them); no access log unless asked.
errorlog = "-"
loglevel = os.environ.get("WANGGE_GUNICORN_LOG_LEVEL", "info")
# The proxy in front terminates TLS; trust its X-Forwarded-* from this address only.
forwarded_allow_ips = os.environ.get("WANGGE_FORWARDED_ALLOW_IPS", "127.0.0.1")


def pre_request(worker, req):
    """Answer `Connection: close` to the Nth request of a connection (see the docstring)."""
    if max_requests_per_connection and req.req_number >= max_requests_per_connection:
        req.must_close = True
