// A small HTTP service for examples/webservice.sf: GET /health answers 200, GET / says hello.
// Usage: node server.js PORT [CRASH_AFTER_MS]. On its first run (FROG_EXEC_RUN=0, set by Exec)
// it crashes after CRASH_AFTER_MS to show Exec's restart; later runs keep serving.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8765);
const crashAfter = Number(process.argv[3] ?? 0);
const run = Number(process.env.FROG_EXEC_RUN ?? 0);

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from run ${run}\n`);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port} (run ${run})`);
  if (run === 0 && crashAfter > 0) {
    setTimeout(() => {
      console.error('simulated crash');
      process.exit(1);
    }, crashAfter);
  }
});

process.on('SIGTERM', () => {
  console.log('stopping');
  server.close(() => process.exit(0));
});
