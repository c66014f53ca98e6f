// A TypeScript app, compiled with each moduleResolution and skipLibCheck false, with and without
// @tracelog/queue-instrumentation installed: init()'s types name the queue options either way.
import { getLogger, init, task } from '@tracelog/node';
import type { InitOptions } from '@tracelog/node';

const options: InitOptions = {
  console: false,
  instrumentations: { bullmq: { consumerParent: 'link', statsEveryJobs: 50 } },
};
init(options);
const log = getLogger('matrix.ts');
void task('settle-order', { category: 'position' }, async (t) => {
  t.step('book-trade');
  log.info('order settled');
});
