"""``python -m reegeo``: the command line."""

import sys

from reegeo.cli import main

sys.exit(main())
