"""Announcements: numbers in Indonesian words and clips joined into one WAV per call."""
