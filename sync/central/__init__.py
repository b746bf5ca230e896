"""The central server: ingest of every site's events, its database, accounts and commands."""
