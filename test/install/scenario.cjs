// What every JavaScript app of the install matrix does, whichever way it loaded tracelog: one
// request to its own HTTP server (Express when given, else node:http), logged inside the handler.
// With the app's own @opentelemetry/api, the request runs inside the app's own span and the app
// emits a record through the API's logs too. The app then ends by itself; tracelog flushes on exit.
'use strict';
const { createServer } = require('node:http');

exports.run = async function run({ getLogger, express, api }) {
  const log = getLogger('matrix.app');
  const handle = (req, res) => {
    log.info('order received', { 'order.id': '42' });
    res.end('ok');
  };
  let server;
  if (express) {
    const app = express();
    app.get('/orders/:id', handle);
    server = createServer(app);
  } else {
    server = createServer(handle);
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const call = async () => {
    const response = await fetch(`http://127.0.0.1:${server.address().port}/orders/42`);
    await response.text();
  };
  if (api) {
    await api.trace.getTracer('matrix.shop').startActiveSpan('checkout', async (span) => {
      api.logs.getLogger('matrix.shop').emit({ body: 'checkout started', severityNumber: 9 });
      await call();
      span.end();
    });
  } else {
    await call();
  }
  server.close();
};
