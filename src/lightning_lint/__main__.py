import os
import sys

# `python -m lightning_lint` puts the current folder first on sys.path, so a project file
# named yaml.py or pathspec.py would be imported (and run) in place of the library. Like
# pip, drop that entry: lightning-lint reads the project's files, it never imports them.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from lightning_lint.commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
