export { SECRET_CORPUS, findLeaks } from './secrets.js';
export type { Secret } from './secrets.js';
