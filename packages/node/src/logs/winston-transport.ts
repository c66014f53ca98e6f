import { logs } from '@opentelemetry/api';
import type { Logger as OtelLogger } from '@opentelemetry/api';
import TransportStream from 'winston-transport';
import { diagnostics } from '../internal/diag.js';
import { infoToLogRecord } from './record.js';

export interface OpenTelemetryTransportOptions {
  /**
   * Component (OpenTelemetry instrumentation scope) for records that don't carry a `component`
   * field of their own.
   * @default 'app'
   */
  component?: string;
  /** Minimum winston level this transport handles. @default the logger's level */
  level?: string;
}

/**
 * A winston transport that sends every record into OpenTelemetry, for teams that already have
 * winston loggers: add it with `logger.add(new OpenTelemetryTransport())`. Records carry the
 * active trace and span ids and tracelog's scoped context; it is written against
 * `@opentelemetry/api` 1.10's logs global, so records are not silently dropped as with
 * `@opentelemetry/winston-transport` 0.34.
 */
export class OpenTelemetryTransport extends TransportStream {
  private readonly component: string;
  private readonly loggers = new Map<string, OtelLogger>();

  constructor(options: OpenTelemetryTransportOptions = {}) {
    super(options.level === undefined ? {} : { level: options.level });
    this.component = options.component ?? 'app';
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    try {
      const component = typeof info.component === 'string' ? info.component : this.component;
      this.loggerFor(component).emit(infoToLogRecord(info));
    } catch (error) {
      diagnostics.warn('transport', `could not convert a winston record: ${String(error)}`);
    }
    callback();
  }

  private loggerFor(component: string): OtelLogger {
    let logger = this.loggers.get(component);
    if (!logger) {
      logger = logs.getLogger(component);
      // Bounded: components are code-defined names, but never trust that blindly.
      if (this.loggers.size < 1000) this.loggers.set(component, logger);
    }
    return logger;
  }
}
