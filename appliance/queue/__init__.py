"""The queue: the engine that writes ticket state, its reads, numbering, hours and waits."""
