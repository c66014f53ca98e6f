// A TypeScript app that also uses @tracelog/queue-instrumentation's own API: a job run with the
// context captured where it was enqueued.
import { getLogger, init, task } from '@tracelog/node';
import { injectJobContext, runJob } from '@tracelog/queue-instrumentation';
import type { JobInfo } from '@tracelog/queue-instrumentation';

init({ console: false });
const log = getLogger('matrix.ts');
void task('enqueue-settlement', { category: 'position' }, async () => {
  const job: JobInfo = {
    system: 'matrix',
    queue: 'settlement',
    name: 'settle',
    id: '1',
    attempt: 1,
    maxAttempts: 1,
    carrier: injectJobContext(),
  };
  await runJob(job, () => log.info('order settled'));
});
