// The tests' Redis comes from @tracelog/test-utils, which the benchmarks use too.
export { startRedis } from '@tracelog/test-utils';
