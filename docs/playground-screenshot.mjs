// The README's screenshot of the playground: `npm run build && node docs/playground-screenshot.mjs`
// writes docs/playground.png. It starts the playground, plays the story's first two steps (the
// PR with a breaking change opens; a stranger's /approve is refused) and photographs the pull
// request's page in Chromium (playwright-core with @sparticuz/chromium: works offline).
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import { chromium as playwright } from 'playwright-core';
import { startPlayground } from '../dist/src/playground/start.js';

const out = fileURLToPath(new URL('./playground.png', import.meta.url));
const pg = await startPlayground({ port: 0, githubPort: 0, story: false, out: () => {}, log: { info: () => {}, warn: (m) => console.error(m) } });
const browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
try {
  const result = await pg.play(2);
  const page = await browser.newPage({ viewport: { width: 1040, height: 1040 }, deviceScaleFactor: 1 });
  await page.goto(result.url);
  // The top of the page: the PR, its failing contracts check with the findings table and the annotations.
  await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1040, height: 1040 } });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await pg.stop();
}
