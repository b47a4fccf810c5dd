"""One module per ``marsad`` sub-command: ``HELP``, ``add_arguments(parser)``, ``run(args)``."""
