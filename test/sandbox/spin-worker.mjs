// A parse worker for tests of the pool itself: it names each file it works on, and on a
// file whose name contains "spin" it never finishes (the worst input, deterministically).
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (msg) => {
  if (msg.type !== 'task') return;
  const files = msg.request.kind === 'packs' ? msg.request.files.map((f) => f.path) : [msg.request.head?.path ?? msg.request.main?.path];
  for (const file of files) {
    parentPort.postMessage({ type: 'progress', file });
    if (file.includes('spin')) for (;;);
  }
  parentPort.postMessage({ type: 'done', result: { packs: [], services: {}, errors: [], sha: msg.request.sha } });
});
parentPort.postMessage({ type: 'ready' });
