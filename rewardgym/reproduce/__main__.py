"""``python -m rewardgym.reproduce maze --quick``: the ``rewardgym reproduce`` command on its own."""

import sys

from rewardgym.reproduce.cli import main

sys.exit(main(["reproduce", *sys.argv[1:]]))
