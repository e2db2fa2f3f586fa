"""Benchmarks of Ferry's directory service against hand-written SQL on the same driver.

Run ``python -m bench.run --help``. These scripts only measure and report; nothing here asserts on
timings. Results go to stdout as Markdown and to ``docs/benchmarks.md``.
"""
