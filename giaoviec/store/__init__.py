"""The read model. Importing any of it puts every table on SQLModel.metadata: the models, and
the tables kept in modules of their own."""

from giaoviec.store import duties, models  # noqa: F401
