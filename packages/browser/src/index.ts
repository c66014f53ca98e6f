export { initBrowser } from './init.js';
export { parseStack } from './stack.js';
export type { StackFrame } from './stack.js';
export type {
  AttributeValue,
  Attributes,
  BrowserHandle,
  BrowserLogRecord,
  BrowserOptions,
  Level,
  Logger,
} from './types.js';
