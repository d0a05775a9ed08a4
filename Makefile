.PHONY: run test bench guarantees format

# Serve the site on the embedded default (SQLite, in-process tasks, console email).
run:
	scripts/run

# The whole suite on PostgreSQL + Redis, with lint and deploy checks.
test:
	scripts/test

# Pledges per second of the sign POST against a bare insert view (see README).
bench:
	scripts/bench

# Removes, one at a time, the code that keeps each README guarantee and checks
# that its test then fails (about three minutes).
guarantees:
	scripts/bootstrap dev && scripts/ensure-services postgres redis
	.venv/bin/python scripts/guarantees.py

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
