"""The IGRS benchmark suite: `igrs bench [--db sqlite|postgres|both] [--quick]`.

The `igrs bench` process only orchestrates. Work that needs Django on a particular database
runs in a child process (`python -m bench.parts`), because Django's settings, and so the
database, are fixed when a process starts. See bench/README.md.
"""
