"""Several `marsad run` processes on one PostgreSQL database (issue 14): the harness and tests."""
