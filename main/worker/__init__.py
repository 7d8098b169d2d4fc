"""The sync worker (`python -m main.worker`): process.py; kept empty so that `-m` loads
nothing before __main__ guards the start."""
