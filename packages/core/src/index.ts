export {
  ATTR,
  DEFAULT_BAGGAGE_KEYS,
  DEFAULT_QUIET_PATHS,
  EVENT,
  LEVELS,
  METRIC,
  RESOURCE,
  SEVERITY_NUMBER,
  TASK_CATEGORIES,
  TASK_OUTCOME,
} from './schema.js';
export type { EventName, Level } from './schema.js';
export { SCOPED_ATTRIBUTES_KEY, getScopedAttributes, setScopedAttributes } from './scope.js';
