"""``python -m hiring_funnel.report PATH [options]``: the report command on its own.

The same options as ``hiring-funnel report`` (:mod:`hiring_funnel.cli.report`).
"""

import sys

from hiring_funnel.cli.report import main

sys.exit(main())
