#!/bin/sh
# compose.scale.yaml: let the replica stream from the primary (run once, at initdb).
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
