"""A bench-only app: the bare insert that bench/intake.py measures intake against. Enabled only by
bench/settings_bench.py, never by govgrid.settings."""
