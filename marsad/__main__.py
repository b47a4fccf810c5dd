"""Allow ``python -m marsad``."""

from marsad.bot.cli import main

raise SystemExit(main())
