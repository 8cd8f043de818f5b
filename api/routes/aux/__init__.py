"""One router per auxiliary group-action model (``/v1/aux/NAME/...``)."""
