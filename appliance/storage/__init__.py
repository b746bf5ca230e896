"""The appliance's SQLite file: opening it, its models, state keys, backups, migrations."""
