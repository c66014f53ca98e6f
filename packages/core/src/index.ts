export { ATTR_SERVICE_NAME } from './schema.js';
