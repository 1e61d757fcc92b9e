"""``python -m hiring_funnel.cli`` runs the command line, as ``python -m hiring_funnel`` does."""

import sys

from hiring_funnel.cli import main

sys.exit(main())
