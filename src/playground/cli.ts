// `pj playground` and `PJ_PLAYGROUND=1 npm start`: start the playground and play the story;
// `pj playground --replay` asks a running playground to play it again.
import type { CliIo } from './io.js';
import { startPlayground, type Playground } from './start.js';
import { DRIVE_HELP, runDrive } from './drive.js';

const HELP = `pj playground — PuddleJumper against a local GitHub, with a story that plays itself

Usage: pj playground [--port N] [--github-port N] [--no-story]
       pj playground --replay [--github-port N]
       pj playground open|comment|push|merge … [--github-port N]   (act on the running playground)

Starts the app on 127.0.0.1:PORT (default 3000) and a GitHub served in-process on
127.0.0.1:PORT+1 with the acme organisation seeded, then plays the story: a pull request
with a breaking API change, its checks, a refused /approve, the Team Lead and the Director
approving, the merge, and the notifications. Open the GitHub URL it prints to see what the
app wrote. Ctrl-C stops it; nothing is kept (the store is in memory).

  --replay          play the story again in the running playground (a new pull request)
  --no-story        start without playing the story
  --port N          the app's port (default: PORT or 3000)
  --github-port N   the playground GitHub's port (default: PJ_PLAYGROUND_PORT or the app's port + 1)

You drive it too (each waits for the app, then prints the PR's checks and the app's replies):
${DRIVE_HELP}
`;

interface Options {
  port: number;
  githubPort: number;
  replay: boolean;
  story: boolean;
}

function parse(argv: string[], env: NodeJS.ProcessEnv): Options | string {
  const port = Number(env.PORT ?? 3000);
  const o: Options = { port, githubPort: NaN, replay: false, story: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0 || v > 65_535) throw new Error(`${a} needs a port number`);
      return v;
    };
    if (a === '--replay') o.replay = true;
    else if (a === '--no-story') o.story = false;
    else if (a === '--port') o.port = num();
    else if (a === '--github-port') o.githubPort = num();
    else return `pj playground: unknown option ${a}\n\n${HELP}`;
  }
  if (Number.isNaN(o.githubPort)) o.githubPort = env.PJ_PLAYGROUND_PORT ? Number(env.PJ_PLAYGROUND_PORT) : o.port === 0 ? 0 : o.port + 1;
  return o;
}

async function replay(o: Options, io: CliIo): Promise<number> {
  const url = `http://127.0.0.1:${o.githubPort}/_playground/replay`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST' });
  } catch {
    io.err(`pj playground --replay: no playground answers at 127.0.0.1:${o.githubPort}; start one with \`npx pj playground\` (or pass --github-port)`);
    return 1;
  }
  if (!res.ok) {
    io.err(`pj playground --replay: the playground answered ${res.status}`);
    return 1;
  }
  io.out(await res.text());
  return 0;
}

/** Starts the playground and prints where to look; resolves with the running playground. */
export async function launch(o: { port: number; githubPort: number; story: boolean }, io: CliIo): Promise<Playground> {
  // The sinks' and the API's info lines stay quiet (the story prints what they received); warnings show.
  const log = { info: () => {}, warn: (m: string) => io.err(`playground: ${m}`) };
  const pg = await startPlayground({ port: o.port, githubPort: o.githubPort, story: false, out: (l) => io.out(l), log });
  io.out(`PuddleJumper playground — the ${pg.world.org} organisation on a local GitHub`);
  io.out(`  the app      ${pg.appUrl}   (webhooks at /api/github/webhooks, /metrics, /healthz)`);
  io.out(`  its GitHub   ${pg.githubUrl}/   ← open this to see what the app wrote`);
  io.out(`  control plane ${pg.appUrl}/admin   (Sign in with GitHub signs you in as @acme-admin on the playground GitHub)`);
  if (o.story) await pg.play();
  io.out('');
  io.out(`Replay the story: npx pj playground --replay${o.githubPort !== (o.port === 0 ? 0 : o.port + 1) ? ` --github-port ${new URL(pg.githubUrl).port}` : ''}    Stop: Ctrl-C`);
  return pg;
}

export async function runPlayground(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  const [first, ...rest] = argv;
  if (first === 'open' || first === 'comment' || first === 'push' || first === 'merge') {
    // --github-port is the playground's; the rest is the action's.
    const at = rest.indexOf('--github-port');
    const port = at >= 0 ? Number(rest[at + 1]) : env.PJ_PLAYGROUND_PORT ? Number(env.PJ_PLAYGROUND_PORT) : Number(env.PORT ?? 3000) + 1;
    if (at >= 0) rest.splice(at, 2);
    return runDrive(first, rest, port, io);
  }
  let o: Options | string;
  try {
    o = parse(argv, env);
  } catch (error) {
    io.err(`pj playground: ${(error as Error).message}`);
    return 2;
  }
  if (typeof o === 'string') {
    io.err(o);
    return 2;
  }
  if (o.replay) return replay(o, io);
  const pg = await launch(o, io);
  await new Promise<void>((resolve) => {
    const stop = () => void pg.stop().finally(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
