"""Allow ``python -m trailguard``."""

from __future__ import annotations

import sys

from trailguard.cli import main

sys.exit(main())
