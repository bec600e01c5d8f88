"""The command line (``verify list | run | report | stress | hunt``): the one layer that owns
the terminal, progress bars and exit codes."""
