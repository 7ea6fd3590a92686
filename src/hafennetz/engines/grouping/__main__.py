"""`python -m hafennetz.engines.grouping participants.csv …` (same as `hafennetz plan-groups`)."""

import sys

from .cli import main

sys.exit(main())
