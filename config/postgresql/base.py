"""Django's PostgreSQL backend, with bulk writes batched under the protocol's limit.

The settings bind parameters on the server (so that hot statements can be prepared).
A Bind message carries at most 65,535 parameters; client-side binding had no such
limit, so Django's PostgreSQL backend never batches bulk_create, bulk_update or the
delete collector, and a large import or delete would fail with "number of parameters
must be between 0 and 65535". This backend batches them, as Django's SQLite and
Oracle backends already do for theirs.

It also fails fast while the database is known to be down (config/postgresql/
outage.py), so that an outage does not hold every worker for the pool's timeout.
"""

from django.db.backends.postgresql import base, features, operations

from .outage import breaker


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = 2**16 - 1


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        if fields:
            return max(1, self.connection.features.max_query_params // len(fields))
        return len(objs)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params):
        breaker.before_connect(self.settings_dict, self.pool)
        try:
            connection = super().get_new_connection(conn_params)
        except base.Database.Error as error:
            breaker.failed(error)
            raise
        return connection

    def is_usable(self) -> bool:
        usable = super().is_usable()
        if not usable:
            breaker.broken_connection()
        return usable
