"""``python -m hiring_funnel`` runs the command line."""

import sys

from hiring_funnel.cli import main

sys.exit(main())
