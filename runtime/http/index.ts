/** The peer's HTTP listener (metrics, status, events, state-space queries) and its Prometheus metrics. */
export { HttpListener, HttpListenerError, ENDPOINTS, isLoopback, parseHttpAddress, checkToken, type HttpListenerOptions, type HttpSources } from './http-listener.js';
export { PeerMetrics, type MetricSources } from './metrics.js';
