.PHONY: run test bench lint format

# Serve the site on the embedded default (SQLite, in-process tasks, console email).
run:
	scripts/run

# The whole suite on PostgreSQL + Redis, with lint and deploy checks.
test:
	scripts/test

# Pledges per second of the sign POST against a bare insert view (see README).
bench:
	scripts/bench

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
