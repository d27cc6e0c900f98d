"""Operating the server: Prometheus metrics (``prometheus.py``) and the per-request log line
(``request_log.py``). Depends only on ``userpool.model``; the composition root hands its parts
to the rooms that count and log (``model.ports.Metrics``)."""

#: The directory where prometheus-client's multiprocess mode keeps each worker's counts; read
#: when prometheus-client is first imported, so ``userpool serve`` sets it before workers start.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
