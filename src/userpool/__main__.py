"""``python -m userpool``: the same command line as the ``userpool`` script."""

from userpool.cli import main

raise SystemExit(main())
