import { logs } from '@opentelemetry/api';
import type { Logger as OtelLogger } from '@opentelemetry/api';
import winston from 'winston';
import { LEVELS, OWN_RECORD, SEVERITY_NUMBER } from '@tracelog/core';
import type { Level, OwnRecord } from '@tracelog/core';
import { diagnostics } from '../internal/diag.js';
import { isError, toBody } from './attributes.js';
import { SEVERITY_TEXT, infoToLogRecord, isSimpleCall, simpleRecord } from './record.js';

/** winston level values: lower is more severe. */
const LEVEL_VALUES: Readonly<Record<Level, number>> = Object.fromEntries(
  LEVELS.map((level, index) => [level, index]),
) as Record<Level, number>;

/** The logger `getLogger` returns: a winston logger with tracelog's levels. */
export type Logger = winston.Logger & Record<Level, winston.LeveledLogMethod>;

type LevelResolver = (component: string) => Level;

let resolveLevel: LevelResolver = () => 'info';
const cache = new Map<string, Logger>();

/** Called by init(): where component levels come from. Existing loggers follow the new levels. */
export function configureLoggers(resolver: LevelResolver): void {
  resolveLevel = resolver;
  for (const [component, logger] of cache) logger.level = resolver(component);
}

/**
 * A winston logger for `component` (a dotted, hierarchical name such as `orders.api`): its level
 * comes from `LOG_LEVEL` and per-component `TRACELOG_LEVELS`, and every record it writes carries
 * the active trace id, span id, the component as the OpenTelemetry scope name and the scoped
 * context from `withContext`. Calls never throw, whatever is passed.
 */
export function getLogger(component = 'app'): Logger {
  let logger = cache.get(component);
  if (!logger) {
    logger = createComponentLogger(component);
    cache.set(component, logger);
  }
  return logger;
}

function fallbackRecord(level: Level, message: unknown): OwnRecord {
  return {
    severityNumber: SEVERITY_NUMBER[level],
    severityText: SEVERITY_TEXT[level],
    body: toBody(isError(message) ? message.message : message),
    attributes: { 'tracelog.unreadable_arguments': true },
    [OWN_RECORD]: true,
  };
}

function createComponentLogger(component: string): Logger {
  const otel: OtelLogger = logs.getLogger(component);
  const logger = winston.createLogger({
    levels: LEVEL_VALUES,
    level: resolveLevel(component),
    exitOnError: false,
    transports: [],
  }) as Logger;
  // No transport of winston's own is needed: records go straight to OpenTelemetry, and the
  // console output is a processor there. Teams may still add transports; then winston's normal
  // stream path runs for them as well.
  const write = logger.write.bind(logger);
  logger.write = ((info: Record<string | symbol, unknown>) => {
    try {
      const value = LEVEL_VALUES[info.level as Level] ?? LEVEL_VALUES.info;
      if (value <= LEVEL_VALUES[logger.level as Level]) otel.emit(infoToLogRecord(info));
    } catch (error) {
      diagnostics.warn('logger', `could not record a log call: ${String(error)}`);
    }
    return logger.transports.length > 0 ? write(info) : true;
  }) as typeof logger.write;

  for (const level of LEVELS) {
    const original = logger[level].bind(logger);
    const threshold = LEVEL_VALUES[level];
    logger[level] = ((...args: unknown[]) => {
      // A disabled level costs one comparison; hostile arguments never reach the caller as a throw.
      if (threshold > LEVEL_VALUES[logger.level as Level]) return logger;
      if (isSimpleCall(args) && logger.transports.length === 0 && logger.defaultMeta == null) {
        // The common call — `log.info('message', { fields })` on a logger of ours — skips
        // winston's info object and stream: measurably faster, same record (see bench/).
        try {
          otel.emit(
            simpleRecord(level, args[0] as string, args[1] as Record<string, unknown> | undefined),
          );
          return logger;
        } catch {
          // fall through to the general path, which has its own guard
        }
      }
      try {
        (original as (...a: unknown[]) => unknown)(...args);
      } catch (error) {
        // winston itself choked on the arguments (a Proxy, a throwing getter): record the call
        // with what can be read safely rather than lose it.
        diagnostics.warn('logger', `log arguments could not be read: ${String(error)}`);
        otel.emit(fallbackRecord(level, args[0]));
      }
      return logger;
    }) as winston.LeveledLogMethod;
  }
  const log = logger.log.bind(logger);
  logger.log = ((...args: unknown[]) => {
    try {
      (log as (...a: unknown[]) => unknown)(...args);
    } catch (error) {
      diagnostics.warn('logger', `could not record a log call: ${String(error)}`);
    }
    return logger;
  }) as winston.LogMethod;
  return logger;
}
