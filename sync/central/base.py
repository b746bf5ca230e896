"""The root of central's tables: the database proxy every model is bound through, and their base.

Apart from `store` so that tables kept in a module of their own (`booking_models`) can share the
proxy while `store` lists them among the tables it creates, without an import circle.
"""

from __future__ import annotations

from peewee import DatabaseProxy, Model

database = DatabaseProxy()


class CentralModel(Model):  # type: ignore[misc]
    class Meta:
        database = database
