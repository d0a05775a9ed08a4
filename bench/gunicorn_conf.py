"""Gunicorn settings for the benchmarks (bind and workers come from its command line).

Passed with -c, so a gunicorn.conf.py in the working directory never leaks into a run.
"""

worker_class = "sync"
accesslog = None  # access logging off: it would be measured too
errorlog = "-"
loglevel = "warning"
control_socket_disable = True  # no shared ~/.gunicorn/gunicorn.ctl between runs
preload_app = False
