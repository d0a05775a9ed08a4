"""The open data API, /api/v1/: read-only figures anyone may use, no login."""
