"""``python -m newsqa.cli …``: the same as the ``newsqa`` command."""

import sys

from newsqa.cli.entry import main

if __name__ == "__main__":
    sys.exit(main())
