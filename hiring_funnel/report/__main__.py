"""``python -m hiring_funnel.report PATH [options]``: the report command on its own.

The same options as ``hiring-funnel report`` (:mod:`hiring_funnel.report.command`).
"""

import sys

from hiring_funnel.report.command import main

sys.exit(main())
