import sys

from kpirules.cli import main

sys.exit(main())
