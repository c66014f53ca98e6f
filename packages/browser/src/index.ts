export { initBrowser } from './init.js';
export type {
  AttributeValue,
  Attributes,
  BrowserHandle,
  BrowserLogRecord,
  BrowserOptions,
  Level,
  Logger,
} from './types.js';
