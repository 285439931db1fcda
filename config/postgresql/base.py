"""Django's PostgreSQL backend, with bulk writes batched under the protocol's limit.

The settings bind parameters on the server (so that hot statements can be prepared).
A Bind message carries at most 65,535 parameters; client-side binding had no such
limit, so Django's PostgreSQL backend never batches bulk_create, bulk_update or the
delete collector, and a large import or delete would fail with "number of parameters
must be between 0 and 65535". This backend batches them, as Django's SQLite and
Oracle backends already do for theirs.
"""

from django.db.backends.postgresql import base, features, operations


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
