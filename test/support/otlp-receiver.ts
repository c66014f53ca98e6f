// Kept only for test files not yet moved to '@tracelog/test-utils', the one OTLP test receiver.
export { fromKeyValues, startOtlpReceiver } from '@tracelog/test-utils';
export type { Attrs, OtlpReceiver, ReceivedSpan } from '@tracelog/test-utils';
