"""`python -m matcher.cli` runs the command line."""

import sys

from matcher.cli.main import main

sys.exit(main())
