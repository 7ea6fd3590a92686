"""`python -m hafennetz.engines.allocation …` == `hafennetz allocate …`."""

import sys

from .cli import main

sys.exit(main())
