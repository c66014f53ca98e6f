export { ATTR_SERVICE_NAME } from '@tracelog/core';
