"""The write path: one transaction per mutation, validation, versions, change records."""
