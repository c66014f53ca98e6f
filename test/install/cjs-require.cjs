// CommonJS: require() of the ESM package (Node's require(esm)), init() before Express is loaded,
// and the app's own spans and logs through the CommonJS build of @opentelemetry/api. The same
// file is the entry of the esbuild bundles.
'use strict';
const { getLogger, init } = require('@tracelog/node');

init();
const express = require('express');
const api = require('@opentelemetry/api');
void require('./scenario.cjs').run({ getLogger, express, api });
