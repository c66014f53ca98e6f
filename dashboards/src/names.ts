/**
 * How the telemetry schema's names (`packages/core/src/schema.ts`) are spelled in each back end,
 * and the few names the back ends make themselves. Dashboards and LogQL rules write every event,
 * attribute and resource attribute through these helpers, so a name renamed in the schema changes
 * every query that reads it, or breaks the build, instead of leaving a panel empty at run time.
 * (Prometheus names: `metrics.ts`; LogsQL syntax: `logsql.ts`.)
 */
import { COLLECTOR_ATTR } from '../../packages/core/src/schema.ts';

// --- Elasticsearch ------------------------------------------------------------------------------

/**
 * Fields of the collector's Elasticsearch exporter in its "none" document shape
 * (`collector/config.yaml`, `transform/elasticsearch`): the record's own fields, not schema names.
 */
export const ES_FIELD = {
  severity: 'SeverityText',
  body: 'Body',
  scope: 'Scope.name',
  traceId: 'TraceId',
  /** Span kind, as OTLP's enum name (`SPAN_KIND_CLIENT`, …). */
  kind: 'Kind',
  /** A span's name. */
  name: 'Name',
} as const;

/** A log or span attribute as an Elasticsearch field: `http.route` → `Attributes.http.route`. */
export const esAttr = (name: string) => `Attributes.${name}`;
/** A resource attribute as an Elasticsearch field: `service.name` → `Resource.service.name`. */
export const esResource = (name: string) => `Resource.${name}`;
/** The `keyword` sub-field of a text field (terms aggregations on free text). */
export const keyword = (field: string) => `${field}.keyword`;
/** A Lucene phrase: the term quoted. */
export const phrase = (term: string) => `"${term}"`;

/** The event name field: the collector copies each record's event name into this attribute. */
const esEventName = esAttr(COLLECTOR_ATTR.EVENT_NAME);

/** Lucene clause: records of this event (`Attributes.event.name:"http.request"`). */
export const esEvent = (event: string) => `${esEventName}:${phrase(event)}`;
/**
 * Lucene clause: records of any of these events (`Attributes.event.name:(a OR b)`). Event names
 * are keywords, so a term matches the same records quoted (`phrase()`) or not.
 */
export const esEventIn = (...terms: string[]) => `${esEventName}:(${terms.join(' OR ')})`;

// --- Loki ---------------------------------------------------------------------------------------

/**
 * A resource or log attribute as Loki names it when it ingests OTLP (index label or structured
 * metadata): dots become underscores, `http.response.status_code` → `http_response_status_code`.
 */
export const lokiLabel = (name: string) => name.replace(/\./g, '_');

/**
 * Labels Loki's OTLP ingestion makes from the record's own fields, not from attributes (Loki's
 * names for them; `test/support/logql.ts` lists them all).
 */
export const LOKI_FIELD = {
  severity: 'severity_text',
  traceId: 'trace_id',
  scope: 'scope_name',
} as const;

/** The event name as a Loki label (the collector's copy of it, see `COLLECTOR_ATTR`). */
export const LOKI_EVENT = lokiLabel(COLLECTOR_ATTR.EVENT_NAME);

// --- VictoriaLogs -------------------------------------------------------------------------------

/**
 * Fields VictoriaLogs makes of an OTLP log record's own parts (its OpenTelemetry ingestion,
 * `/insert/opentelemetry`, v1.52): the body is `_msg`, the time `_time`; resource and record
 * attributes keep their OTLP names (`service.name`, `http.route`) in one flat namespace, so they
 * need no helper. Every value is stored as a string; LogsQL's range and stats functions parse
 * numbers from it.
 */
export const VL_FIELD = {
  body: '_msg',
  time: '_time',
  severity: 'severity_text',
  severityNumber: 'severity_number',
  traceId: 'trace_id',
  spanId: 'span_id',
  scope: 'scope.name',
  /** The record's OTLP event name, as its own field (the collector copies nothing here). */
  event: 'event_name',
} as const;
