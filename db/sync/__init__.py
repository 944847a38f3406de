"""Live sync from the sources' APIs (ACLED, UCDP): HTTP clients, resumable page runs."""
