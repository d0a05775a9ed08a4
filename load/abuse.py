"""A scripted attack on a local Blue Heart, mixed with real sign-ups: does the
count stay honest, and can anyone use the site to spam an address?

    .venv/bin/python load/abuse.py [--attack 5000] [--real 500] [--concurrency 16]

It builds the real stack on this machine, in production settings: a fresh
PostgreSQL database, a pair of Redis databases (broker and cache), gunicorn
behind a trusted "proxy" (TRUSTED_PROXIES=127.0.0.1, so each simulated client's
address arrives in X-Forwarded-For as a proxy would pass it), a Celery worker,
and an SMTP sink on loopback that keeps every email. Then, in one shuffled
stream over `--concurrency` connections:

- Mallory's bots: `--attack` sign attempts from three IPv4 addresses and one
  IPv6 /64. They use a catch-all domain of their own (so they can confirm
  whatever arrives), variants of one Gmail address (dots and +tags), a
  disposable-address domain, bots that fill in every field (the honeypot too),
  and a victim's address they want the site to spam, by signing with it and by
  asking for sign-in codes for it.
- `--real` real people, each from an address of their own, at assorted
  domains; each confirms the link their email brings, as people do.

Mallory confirms every link that reaches an address she controls. When the
queue is empty, the script reads the outcome from the database and the open
data API and prints how many attempts were refused (and why), how many
pledges were flagged suspect, how many were counted, and the most emails any
one address received. It exits non-zero unless every real sign-up is counted,
no attacker's pledge is, and no address received more than the per-address
daily cap.
"""

import argparse
import ipaddress
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A Redis pair of its own (broker 10, cache 11), apart from the tests' and the
# other benchmarks'; read by bench.common when it is imported.
os.environ.setdefault("BENCH_REDIS_DB", "10")

import logging  # noqa: E402

import requests  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from bench.common import (  # noqa: E402
    HOST,
    Server,
    drop_database,
    exit_on_sigterm,
    flush_redis,
    free_port,
    log,
    manage,
    server_env,
    tear_down,
    wait_for_redis_pair,
)
from bench.drain import Worker  # noqa: E402

# Mallory's networks: three IPv4 addresses and one IPv6 /64 (documentation ranges).
ATTACK_IPV4 = ["198.51.100.7", "198.51.100.8", "203.0.113.50"]
ATTACK_IPV6 = ipaddress.IPv6Network("2001:db8:bad:1::/64")
OWN_DOMAIN = "blue-heart-fans.example"  # Mallory's catch-all: she reads it all
GMAIL_BASE = "heartfan"  # heartfan@gmail.com is hers; Gmail ignores dots and +tags
DISPOSABLE_DOMAIN = "mailinator.com"
VICTIM = "victim@example.net"  # someone Mallory wants the site to spam
REAL_DOMAINS = ["example.org", "example.com", "gmail.com", "outlook.com", "example.pt"]
COUNTRIES = ["PT", "ES", "FR", "DE", "IT", "BR", "AO", "GB"]
LINK = re.compile(r"https?://[^\s\"'<>]+/confirm/[^\s\"'<>]+/")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUT = re.compile(r"<input\b[^>]*>")
SIGN_IN = "sign-in"  # instead of signing: ask for a sign-in code by email


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--attack", type=int, default=5000, help="attacker sign attempts [5000]")
    ap.add_argument("--real", type=int, default=500, help="real sign-ups [500]")
    ap.add_argument("--concurrency", type=int, default=16, help="connections at once [16]")
    ap.add_argument("--web-workers", type=int, default=3, help="gunicorn workers [3]")
    ap.add_argument("--seed", type=int, default=2026, help="random seed [2026]")
    ap.add_argument("--db-name", default="load_abuse", help="database to (re)create")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    ap.add_argument("--timeout", type=float, default=600, help="give up after, seconds [600]")
    args = ap.parse_args(argv)
    if min(args.attack, args.real, args.concurrency) < 1:
        ap.error("--attack, --real and --concurrency must be positive")
    return args


# --- the SMTP sink: keeps every message, by recipient --------------------------------


class Mailbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_address = defaultdict(list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        text = envelope.content.decode("utf-8", "replace")
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.by_address[recipient.lower()].append(text)
        return "250 OK"

    def counts(self):
        with self.lock:
            return {address: len(messages) for address, messages in self.by_address.items()}

    def links(self, address):
        with self.lock:
            messages = list(self.by_address.get(address.lower(), []))
        # Quoted-printable may fold a long line: unfold before looking.
        found = []
        for text in messages:
            unfolded = text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
            found += LINK.findall(unfolded)
        return found


# --- the traffic ---------------------------------------------------------------------


def plan(args):
    """The shuffled list of attempts: (who, email, client address, fill every field)."""
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible plan, not a secret
    attempts = []
    for n in range(args.attack):
        if n % 4 == 3:
            address = str(ATTACK_IPV6[rng.randrange(1, 2**64)])
        else:
            address = rng.choice(ATTACK_IPV4)
        roll = rng.random()
        if roll < 0.40:
            email, trap = f"bot{n}@{OWN_DOMAIN}", False
        elif roll < 0.65:
            email, trap = f"bot{n}@{DISPOSABLE_DOMAIN}", False
        elif roll < 0.80:
            dotted = ".".join(GMAIL_BASE[: 1 + n % len(GMAIL_BASE)]) + GMAIL_BASE[1 + n % 8 :]
            email, trap = f"{dotted}+{n}@gmail.com", False
        elif roll < 0.85:
            email, trap = VICTIM, False
        elif roll < 0.90:
            email, trap = VICTIM, SIGN_IN  # a sign-in code, to the victim
        else:
            email, trap = f"trap{n}@{OWN_DOMAIN}", True
        attempts.append(("attacker", email, address, trap))
    # Real people: one address each, from anywhere in 100.64.0.0/10 but Mallory's.
    for n in range(args.real):
        address = str(ipaddress.IPv4Address(0x64400000 + 1 + n * 97))
        email = f"person{n}.{rng.randrange(10**6)}@{REAL_DOMAINS[n % len(REAL_DOMAINS)]}"
        attempts.append(("real", email, address, False))
    rng.shuffle(attempts)
    return attempts


def form_fields(html, fill_everything):
    """The pledge form's hidden inputs and, for a bot, every other text input too
    (the honeypot among them): a person never sees the trap, a bot fills it in."""
    fields = {"csrfmiddlewaretoken": CSRF.search(html).group(1)}
    if fill_everything:
        for tag in INPUT.findall(html):
            name = re.search(r'name="([^"]+)"', tag)
            kind = re.search(r'type="([^"]+)"', tag)
            if name and (kind is None or kind.group(1) in {"text", "url"}):
                fields.setdefault(name.group(1), "http://cheap-pills.example/")
    return fields


class Client:
    """One visitor: a session of its own (cookies, CSRF token) behind our proxy."""

    def __init__(self, base, address):
        self.base = base
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = address

    def sign(self, email, fill_everything, rng):
        if fill_everything == SIGN_IN:
            return self.ask_for_code(email)
        page = self.session.get(f"{self.base}/pledge/", timeout=30)
        data = form_fields(page.text, fill_everything)
        data |= {
            "display_name": "Mallory's Bot"
            if fill_everything
            else f"Signer {rng.randrange(10**6)}",
            "email": email,
            "country": rng.choice(COUNTRIES),
            "pledge": "on",
        }
        response = self.session.post(
            f"{self.base}/pledge/", data=data, allow_redirects=False, timeout=30
        )
        return response.status_code

    def ask_for_code(self, email):
        page = self.session.get(f"{self.base}/accounts/login/code/", timeout=30)
        data = {"csrfmiddlewaretoken": CSRF.search(page.text).group(1), "email": email}
        response = self.session.post(
            f"{self.base}/accounts/login/code/", data=data, allow_redirects=False, timeout=30
        )
        return response.status_code

    def confirm(self, link):
        page = self.session.get(link, timeout=30)
        if page.status_code != 200 or "csrfmiddlewaretoken" not in page.text:
            return page.status_code
        data = {"csrfmiddlewaretoken": CSRF.search(page.text).group(1)}
        for name in ("display_name", "country"):
            value = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text)
            selected = re.search(r'<option value="([A-Z]{2})" selected>', page.text)
            if name == "display_name" and value:
                data[name] = unescape(value.group(1))
            elif name == "country" and selected:
                data[name] = selected.group(1)
        response = self.session.post(link, data=data, allow_redirects=False, timeout=30)
        return response.status_code


def run_attempts(base, attempts, concurrency):
    outcomes = Counter()
    lock = threading.Lock()

    def one(index_attempt):
        index, (who, email, address, trap) = index_attempt
        status = Client(base, address).sign(email, trap, random.Random(index))  # noqa: S311
        with lock:
            outcomes[(f"{who} sign-in" if trap == SIGN_IN else who, status)] += 1

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, enumerate(attempts)))
    return outcomes


def controls(email):
    """The addresses Mallory reads: her own domain and her Gmail's variants."""
    local, _, domain = email.lower().rpartition("@")
    return domain == OWN_DOMAIN or (
        domain == "gmail.com" and local.split("+")[0].replace(".", "") == GMAIL_BASE
    )


def confirm_all(base, mailbox, real_emails, concurrency):
    """Every real person confirms their link; Mallory confirms every link that
    reaches an address she controls."""
    statuses = Counter()
    lock = threading.Lock()
    jobs = []
    for address in mailbox.counts():
        who = "real" if address in real_emails else ("attacker" if controls(address) else None)
        if who is None:
            continue  # the victim never confirms anything
        for link in dict.fromkeys(mailbox.links(address)):
            jobs.append((who, link))

    def one(job):
        who, link = job
        status = Client(base, "100.127.255.254" if who == "real" else ATTACK_IPV4[0]).confirm(link)
        with lock:
            statuses[(who, status)] += 1

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, jobs))
    return statuses


def wait_for_quiet(deadline):
    """Sweep, as beat would, until nothing is waiting to be applied or sent."""
    from pledges import services
    from pledges.models import Pledge, PledgeRequest

    while time.monotonic() < deadline:
        services.sweep()
        if not PledgeRequest.objects.exists() and not Pledge.objects.with_email_due().exists():
            time.sleep(1.0)  # the last sends are recorded just after the sink takes them
            return True
        time.sleep(0.5)
    return False


def main(argv=None):
    args = parse_args(argv)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every command
    exit_on_sigterm()
    attempts = plan(args)
    real_emails = {email.lower() for who, email, _a, _t in attempts if who == "real"}
    created = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blueheart-abuse-")))
        try:
            wait_for_redis_pair()
            flush_redis()
            mailbox = Mailbox()
            controller = Controller(mailbox, hostname=HOST, port=free_port())
            controller.start()
            stack.callback(controller.stop)
            port = free_port()
            env = server_env(
                port,
                args.db_name,
                static_root=tmp / "static",
                email_url=f"smtp://{HOST}:{controller.port}",
            )
            env["TRUSTED_PROXIES"] = "127.0.0.1"
            log(f"database {args.db_name}: recreating, migrating, collecting static files")
            drop_database(args.db_name, create=True)
            created = True
            manage(env, "migrate", "--noinput")
            manage(env, "collectstatic", "--noinput")
            os.environ.update(env)
            import django

            django.setup()
            from django.conf import settings
            from django.db import connections

            from config.celery_app import app

            stack.callback(connections.close_all)
            server = Server(env, port, args.web_workers, tmp / "gunicorn.log")
            stack.callback(server.stop)
            server.start()
            server.wait_ready()
            worker = Worker(env, 2, tmp / "worker.log")
            stack.callback(worker.stop)
            worker.start()
            worker.wait_ready(app)
            base = f"http://{HOST}:{port}"
            log(
                f"gunicorn ({args.web_workers} workers) on {base}, a Celery worker, SMTP sink "
                f"on {controller.port}; {args.attack} attacker attempts and {args.real} real "
                f"sign-ups over {args.concurrency} connections"
            )

            started = time.monotonic()
            deadline = started + args.timeout
            signed = run_attempts(base, attempts, args.concurrency)
            signing_took = time.monotonic() - started
            if not wait_for_quiet(deadline):
                sys.exit("timed out waiting for the queue to empty after signing")
            confirmed = confirm_all(base, mailbox, real_emails, args.concurrency)
            if not wait_for_quiet(deadline):
                sys.exit("timed out waiting for the queue to empty after confirming")
            return report(
                args,
                settings,
                base,
                attempts,
                real_emails,
                mailbox,
                signed,
                confirmed,
                signing_took,
                server,
            )
        finally:
            tear_down(stack, args.db_name, created, args.keep_db)


def report(args, settings, base, attempts, real_emails, mailbox, signed, confirmed, took, server):
    from pledges.models import Pledge

    attacker_emails = {email.lower() for who, email, _a, _t in attempts if who == "attacker"}
    pledges = Pledge.objects.all()
    by_email = {p.email.lower(): p for p in pledges if p.email}
    counted = {p.email.lower() for p in Pledge.objects.counted() if p.email}
    flagged = {
        p.email.lower() for p in Pledge.objects.filter(standing=Pledge.Standing.SUSPECT) if p.email
    }
    api_total = requests.get(f"{base}/api/v1/counts", timeout=30).json()["total"]
    emails = mailbox.counts()
    cap = settings.EMAIL_DAILY_CAP_PER_ADDRESS

    def tally(who):
        return {status: n for (w, status), n in sorted(signed.items()) if w == who}

    attack, real = tally("attacker"), tally("real")
    sign_in = tally("attacker sign-in")
    refused = {status: n for status, n in attack.items() if status >= 400}
    log("")
    log(f"signing took {took:.1f} s ({(args.attack + args.real) / took:.0f} attempts/s)")
    log(
        f"attacker attempts: {args.attack}; sign-in codes asked for the victim: "
        f"{sum(sign_in.values())}, answered {sign_in} (allauth answers its own limit with "
        f"a form error, 200); sign-ups answered {attack}"
    )
    log(
        f"  refused: {sum(refused.values())} (429 rate-limited: {refused.get(429, 0)}, "
        f"400 refused by the form: {refused.get(400, 0)})"
    )
    log(f"  accepted (answered like anyone else): {sum(n for s, n in attack.items() if s < 400)}")
    attacker_pledges = attacker_emails & set(by_email)
    log(
        f"  pledges recorded: {len(attacker_pledges)}, flagged suspect: "
        f"{len(flagged & attacker_emails)}, confirmed by Mallory: "
        f"{sum(1 for e in attacker_pledges if by_email[e].confirmed_at)}, "
        f"counted: {len(counted & attacker_emails)}"
    )
    log(f"real sign-ups: {args.real}, answered {real}")
    log(
        f"  confirmed: {sum(1 for e in real_emails if e in by_email and by_email[e].confirmed_at)}"
        f", flagged suspect: {len(flagged & real_emails)}, counted: {len(counted & real_emails)}"
    )
    log(f"confirmation pages posted: {dict(sorted(confirmed.items()))}")
    log(f"counts API total: {api_total}")
    busiest = max(emails.items(), key=lambda item: item[1], default=("-", 0))
    log(
        f"emails: {sum(emails.values())} to {len(emails)} addresses; the most to one address: "
        f"{busiest[1]} (cap {cap} a day); the victim received {emails.get(VICTIM, 0)}"
    )
    errors = server.error_lines()
    failures = []
    if counted & real_emails != real_emails:
        failures.append(f"{len(real_emails - counted)} real sign-ups are not counted")
    if counted & attacker_emails:
        failures.append(f"{len(counted & attacker_emails)} attacker pledges are counted")
    if busiest[1] > cap:
        failures.append(f"an address received {busiest[1]} emails, over the cap of {cap}")
    if api_total != len(real_emails):
        failures.append(f"the counts API says {api_total}, not {len(real_emails)}")
    if any(status >= 500 for (_w, status) in signed):
        failures.append("some attempts were answered with a server error")
    if errors:
        failures.append(f"the server logged {len(errors)} errors, e.g. {errors[0]}")
    log("")
    if failures:
        for failure in failures:
            log(f"FAIL: {failure}")
        return 1
    log(
        "PASS: every real sign-up counted, no attacker pledge counted, no address over "
        "the per-address cap"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
