// ESM calling init() itself.
import { getLogger, init } from '@tracelog/node';
import scenario from './scenario.cjs';

init();
await scenario.run({ getLogger });
