"""The chat's Alembic environment: ``env.py``, the revision template, ``versions/`` (``store/schema.py``)."""
