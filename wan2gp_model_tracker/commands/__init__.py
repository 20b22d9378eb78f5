"""The command line: one module per sub-command, each adding its parser with ``register`` (see ``parser.py``)."""
