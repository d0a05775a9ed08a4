"""config.wsgi, with the id of the process that answered in a response header.

Only for tests/test_publish_reaches_workers.py, which must know which gunicorn
worker served each response; the site itself never tells anyone its pids."""

import os

from config.wsgi import application as django_application

PID_HEADER = "X-Worker-Pid"


def application(environ, start_response):
    def start_with_pid(status, headers, exc_info=None):
        return start_response(status, [*headers, (PID_HEADER, str(os.getpid()))], exc_info)

    return django_application(environ, start_with_pid)
