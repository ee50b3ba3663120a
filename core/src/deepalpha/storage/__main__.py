"""Developer tool: ``python -m deepalpha.storage revision MESSAGE`` autogenerates a migration."""

import sys

from .migrate import revision

if len(sys.argv) != 3 or sys.argv[1] != "revision":
    sys.exit("usage: python -m deepalpha.storage revision MESSAGE")
revision(sys.argv[2])
