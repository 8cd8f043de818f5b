"""``qsdiff aux NAME``: one command module per auxiliary model (``add_arguments`` / ``run``)."""
