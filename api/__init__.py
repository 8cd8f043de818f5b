"""The HTTP layer (FastAPI). Built by the service issue; nothing is served yet."""
