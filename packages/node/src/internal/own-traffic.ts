import type { Agent } from 'node:http';

/**
 * The connection pools our own export traffic uses (the exporter's, the relay's). Requests made
 * through them are neither traced nor counted in `http.client.request.duration`: suppressing
 * tracing stops the spans, but the HTTP instrumentation records its metric all the same, and the
 * outbound-failure dashboards and alerts would count the SDK's own posts to the collector.
 */
const ownAgents = new WeakSet<Agent>();

export function markOwnAgent<T extends Agent>(agent: T): T {
  ownAgents.add(agent);
  return agent;
}

export function isOwnAgent(agent: unknown): boolean {
  return typeof agent === 'object' && agent !== null && ownAgents.has(agent as Agent);
}
