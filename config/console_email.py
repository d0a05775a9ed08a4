"""The development email backend: prints each email with its text as written.

Django's console backend prints the message as it would travel, and Python's
email package (through EmailMessage.message(), whose policy the console backend
does not let us choose) quoted-printable-encodes any text part with a line
longer than 78 characters. A confirmation link is longer than that, so it came
out split across lines with "=" and copying it gave a broken link. No setting
or MAILERS option changes that policy, so this backend builds the message with
the same public API, EmailMessage.message(policy=...), under a policy that
allows lines up to 998 characters (RFC 5322's limit): text parts then travel as
7bit/8bit, and a link prints whole on one line. Development only; production
mail goes through the SMTP backend unchanged.
"""

import email.policy
import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend

# utf8: headers (a subject in Portuguese) print as written too, not RFC 2047-encoded.
CONSOLE_POLICY = email.policy.default.clone(max_line_length=998, utf8=True)
SEPARATOR = "-" * 79


class EmailBackend(BaseEmailBackend):
    def __init__(self, *, stream=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, email_messages) -> int:
        count = 0
        with self._lock:
            for message in email_messages:
                # as_bytes keeps 8bit text as written (as_string would re-encode it).
                text = message.message(policy=CONSOLE_POLICY).as_bytes().decode("utf-8")
                self.stream.write(f"{text}\n{SEPARATOR}\n")
                self.stream.flush()
                count += 1
        return count
