"""The site catalogue: pure validation and loading/applying/exporting it."""
