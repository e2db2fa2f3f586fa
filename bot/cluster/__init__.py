"""Many Ferry processes on one PostgreSQL: leader election, fencing, process registry and health.

See docs/scale-out.md for the design and the measured takeover times.
"""
