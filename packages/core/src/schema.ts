export const ATTR_SERVICE_NAME = 'service.name';
