"""Live updates: the doorbell that wakes event streams and the cached board state."""
