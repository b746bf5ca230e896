"""Failures that reach the person at the terminal with a message they can act on.

Kept free of imports so the `mpp` command can recognise them without loading the database
layer (`mpp --version` and `mpp --help` must work even in a broken installation).
"""


class StorageError(Exception):
    """The database cannot be opened or written; the message names the cause."""
