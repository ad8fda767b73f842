"""Numbered SQL migrations: ``mNNN_name.sql``, applied in order, each exactly once."""
