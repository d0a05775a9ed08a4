.PHONY: run test bench guarantees abuse format screenshots

# Serve the site on the embedded default (SQLite, in-process tasks, console email).
run:
	scripts/run

# The whole suite on PostgreSQL + Redis, with lint and deploy checks.
test:
	scripts/test

# The benchmarks (see README): sign rate against a bare insert view, the timing of
# new against known addresses, the drain of 10,000 owed emails, the badge render, the
# widgets' requests per second, and an update's emails/s and worker memory at 20,000
# and 100,000 recipients (mail_rate), and the scale run (10,000 against 1,000,000 pledges).
bench:
	scripts/bench

# Removes, one at a time, the code that keeps each README guarantee and checks
# that its test then fails (about an hour on the 2-core machine).
guarantees:
	scripts/bootstrap dev && scripts/ensure-services postgres redis
	.venv/bin/python scripts/guarantees.py

# A scripted attack on a local copy of the real stack, mixed with real sign-ups:
# refused, flagged and counted (load/abuse.py; about 5 minutes).
abuse:
	scripts/bootstrap dev && scripts/ensure-services postgres redis
	.venv/bin/python load/abuse.py

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# The README's screenshots (docs/screenshots/): the home page in English and Arabic,
# and Spain's page in Arabic, from a throwaway SQLite copy with the starter content.
screenshots:
	scripts/bootstrap dev
	.venv/bin/python scripts/screenshots
