export { ATTR, EVENT } from '@tracelog/core';
