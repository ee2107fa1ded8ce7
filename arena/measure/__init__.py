"""Measuring one network under a protocol: parameters and MACs (profile, counters), checks against
the official figures (verify). Each returns plain data; the CLI renders it."""
