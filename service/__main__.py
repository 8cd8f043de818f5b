"""``python -m service`` is the ``qsdiff`` command."""

from service.cli import main

raise SystemExit(main())
