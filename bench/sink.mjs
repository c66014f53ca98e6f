// A local OTLP/HTTP sink for benchmarks: accepts and discards export requests, counting bytes, and
// for OTLP/JSON log requests the distinct `seq` attributes it saw (so a run can tell what was lost,
// whatever was sent twice). Runs in its own process so it does not take CPU from the peer under test.
import { createServer } from 'node:http';

let requests = 0;
let bytes = 0;
const seqs = new Set();
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    // Read and reset: the runner asks after each peer how much it really delivered.
    res.end(JSON.stringify({ requests, bytes, records: seqs.size }));
    requests = 0;
    bytes = 0;
    seqs.clear();
    return;
  }
  const json = (req.headers['content-type'] ?? '').includes('json');
  const chunks = [];
  req.on('data', (chunk) => {
    bytes += chunk.length;
    if (json) chunks.push(chunk);
  });
  req.on('end', () => {
    requests++;
    if (json) countSeqs(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
    res.end();
  });
});

function countSeqs(text) {
  try {
    for (const rl of JSON.parse(text).resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? [])
        for (const record of sl.logRecords ?? [])
          for (const { key, value } of record.attributes ?? [])
            if (key === 'seq') seqs.add(Number(value.intValue ?? value.doubleValue));
  } catch {
    // not a log request
  }
}

server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`sink: ${requests} requests, ${bytes} bytes\n`);
  process.exit(0);
});
