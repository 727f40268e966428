import sys

from lightning_lint.linter.cli import main

if __name__ == "__main__":
    sys.exit(main())
