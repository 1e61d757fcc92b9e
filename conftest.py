"""pytest collects the package's doctests (--doctest-modules) but not the modules
left at old paths (hiring_funnel.deprecation.MOVED_MODULES): importing one warns."""

from pathlib import Path

from hiring_funnel.deprecation import MOVED_MODULES

collect_ignore = [str(Path(*old.split(".")).with_suffix(".py")) for old in MOVED_MODULES]
