"""``python -m api.cli`` is the ``qsdiff`` command."""

from api.cli.commands import main

raise SystemExit(main())
