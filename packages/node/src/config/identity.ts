import { parseKeyValueList } from '@tracelog/core';
import { findPackageIdentity } from '../internal/package-identity.js';
import type { InitOptions } from '../types.js';
import { DEFAULTS } from './defaults.js';
import type { Env, Warn } from './env.js';

export interface ServiceIdentity {
  serviceName: string;
  serviceVersion: string | undefined;
  serviceNamespace: string | undefined;
  environment: string;
  /** Other OTEL_RESOURCE_ATTRIBUTES entries. */
  resourceAttributes: Record<string, string>;
}

/**
 * Who is sending. Options win, then OTEL_SERVICE_NAME, then service.name in
 * OTEL_RESOURCE_ATTRIBUTES, then npm's variables, then the app's package.json (found from `entry`,
 * the script node was started with): a name from there is reported, since it decides where the
 * telemetry is filed.
 */
export function resolveIdentity(
  options: InitOptions,
  env: Env,
  entry: string | undefined,
  warn: Warn,
): ServiceIdentity {
  const resource = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const take = (key: string) => {
    const value = resource[key];
    delete resource[key];
    return value;
  };
  const fromResource = {
    name: take('service.name'),
    version: take('service.version'),
    namespace: take('service.namespace'),
    environment: take('deployment.environment.name') ?? take('deployment.environment'),
  };

  let serviceName =
    options.serviceName ?? env.OTEL_SERVICE_NAME ?? fromResource.name ?? env.npm_package_name;
  let serviceVersion = options.serviceVersion ?? fromResource.version ?? env.npm_package_version;
  if (serviceName === undefined || serviceVersion === undefined) {
    const app = findPackageIdentity(entry);
    if (app && serviceName === undefined) {
      serviceName = app.name;
      warn(`service.name ${JSON.stringify(app.name)} from ${app.path}`);
    }
    serviceVersion ??= app?.version;
  }
  return {
    serviceName: serviceName ?? DEFAULTS.serviceName,
    serviceVersion,
    serviceNamespace: options.serviceNamespace ?? fromResource.namespace,
    environment:
      options.environment ??
      env.TRACELOG_ENVIRONMENT ??
      fromResource.environment ??
      env.NODE_ENV ??
      DEFAULTS.environment,
    resourceAttributes: resource,
  };
}
