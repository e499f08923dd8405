#!/usr/bin/env python
"""Entry point of the attack on every ``slvg-bench`` command (issue 16); the code lives in tools/attack/.

Run from the repository root:

    nice -n 15 python tools/attack.py [--work DIR] [--only SUBSTRING] [--cat CATEGORY] [--keep] [--json FILE] [--list]

What a case is and how its outcome is classified: the docstring of tools/attack/driver.py and docs/reliability.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attack.driver import main  # noqa: E402

if __name__ == "__main__":
    main()
