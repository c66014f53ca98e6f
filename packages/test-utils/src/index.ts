export { SECRET_CORPUS, findLeaks } from './secrets.js';
export type { Secret } from './secrets.js';
export { OtlpReceiver, startOtlpReceiver, fromAnyValue, fromKeyValues } from './otlp-receiver.js';
export type {
  Attrs,
  OtlpReceiverOptions,
  ReceivedLog,
  ReceivedMetricPoint,
  ReceivedRequest,
  ReceivedSpan,
} from './otlp-receiver.js';
export { freeLoopbackPort, startRedis } from './redis.js';
export type { RedisServer } from './redis.js';
export { bundleSize } from './bundle-size.js';
export type { BundleSize } from './bundle-size.js';
export { OTLP_PROTO_VERSION, decodeRequest, loadOtlpProtos } from './otlp-proto.js';
export { PREFIXED_TOKENS, PREFIX_NEAR_MISSES, tokenVariants } from './secrets.js';
export type { NearMiss, PrefixedToken } from './secrets.js';
export { fakeClock } from './clock.js';
