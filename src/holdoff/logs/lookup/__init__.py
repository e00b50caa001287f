"""Root-cause lookups in the user's own log store (Loki, Elasticsearch/OpenSearch, CloudWatch Logs).

Holdoff mines and classifies the lines it is sent and keeps them only for a bounded retention; when
a user already has a log store, the lines around an alert are read from there instead
(docs/logs-lookups.md). :func:`build` turns the ``logs: lookup:`` config into a :class:`LogLookup`;
:meth:`LogLookup.lines` answers a :class:`LookupQuery` with :class:`FoundLine` values or raises
:class:`LookupFailed`.
"""

from holdoff.logs.lookup.catalog import LOOKUP_TYPES, AnyLookupConfig, build
from holdoff.logs.lookup.cloudwatch import CloudWatchConfig
from holdoff.logs.lookup.loki import LokiConfig
from holdoff.logs.lookup.opensearch import OpenSearchConfig
from holdoff.logs.lookup.query import FoundLine, LogLookup, LookupConfig, LookupFailed, LookupQuery

__all__ = [
    "LOOKUP_TYPES",
    "AnyLookupConfig",
    "CloudWatchConfig",
    "FoundLine",
    "LogLookup",
    "LokiConfig",
    "LookupConfig",
    "LookupFailed",
    "LookupQuery",
    "OpenSearchConfig",
    "build",
]
