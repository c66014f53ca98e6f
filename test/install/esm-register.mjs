// ESM, started with `node --import @tracelog/node/register`: no init() call in the app, and
// Express imported as ESM (so only the loader hook can instrument it).
import express from 'express';
import { getLogger } from '@tracelog/node';
import scenario from './scenario.cjs';

await scenario.run({ getLogger, express });
