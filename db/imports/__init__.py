"""Bulk imports: ACLED CSV, UCDP GED CSV and Sitrep's own JSON Lines."""
