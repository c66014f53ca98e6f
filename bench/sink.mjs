// A local OTLP/HTTP sink for benchmarks: accepts and discards export requests, counting bytes.
// Runs in its own process so it does not take CPU from the logger under test.
import { createServer } from 'node:http';

let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    // Read and reset: the runner asks after each peer how much it really delivered.
    res.end(JSON.stringify({ requests, bytes }));
    requests = 0;
    bytes = 0;
    return;
  }
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
    res.end();
  });
});
server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`sink: ${requests} requests, ${bytes} bytes\n`);
  process.exit(0);
});
