"""Short-schedule training: one flat loop (loop.py) over data from arena.data, schedules as data."""
