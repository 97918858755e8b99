// The playground: PuddleJumper as it runs in production (src/http/server.ts, the Probot app
// of src/app.ts, the wiring of src/routes.ts, an in-memory SQLite store), pointed at a
// GitHub served in-process on 127.0.0.1 (server.ts) that signs its webhooks with the app's
// secret and delivers them to the app's own webhook endpoint. The app authenticates as an
// App (a JWT signed with a key made at start, then installation tokens); notifications go to
// local sinks (a Slack API, PagerDuty, the pack's signed webhook, mail captured in-process).
// Reached only through `PJ_PLAYGROUND=1 npm start` (main.ts) and `pj playground` (cli.ts).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { Probot } from 'probot';
import pino from 'pino';
import { loadSettings, type Settings } from '../config.js';
import { openDatabase } from '../store/open.js';
import { migrateToLatest } from '../store/migrate.js';
import { puddleJumperApp, type PuddleJumperApp } from '../app.js';
import { wire, type Wiring } from '../routes.js';
import { OutboxOctokit } from '../github/octokit.js';
import { Worker } from '../governance/pipeline.js';
import { controlPlane } from '../control-plane.js';
import { startServer } from '../http/server.js';
import { untrustedDocuments, type Untrusted } from '../sandbox/untrusted.js';
import type { Db } from '../store/database.js';
import { World } from './world.js';
import { Payloads, Webhooks } from './webhooks.js';
import { Actors } from './actors.js';
import { API_PREFIX, GitHubServer, type PlaygroundLog } from './server.js';
import { PEOPLE, seed } from './seed.js';
import { playStory, type StoryResult } from './story.js';
import { drive, type DriveRequest } from './drive.js';

export interface PlaygroundOptions {
  /** The app's port (0: any free one). */
  port: number;
  /** The playground GitHub's port (0: any free one). */
  githubPort: number;
  host?: string;
  /** Where the story's lines go (stdout in the CLI). */
  out: (line: string) => void;
  log: PlaygroundLog;
  /** The app's log level (default warn: the story is what the reader follows). */
  logLevel?: Settings['logLevel'];
  /** Play the story once everything is up (default true). */
  story?: boolean;
  /** Parse untrusted documents in worker threads as production does (default true). */
  sandbox?: boolean;
}

export interface Playground {
  appUrl: string;
  githubUrl: string;
  world: World;
  actors: Actors;
  github: GitHubServer;
  webhooks: Webhooks;
  wiring: Wiring;
  db: Db;
  /** Everything the webhooks sent so far started has finished (deliveries, the app's work, its own webhooks). */
  settle(): Promise<void>;
  /** Plays the story (again): a new pull request through the whole chain (or its first `until` steps). */
  play(until?: number): Promise<StoryResult>;
  stop(): Promise<void>;
}

/** Mail is "sent" into the playground's notification list (nodemailer's JSON transport). */
function mailCapture(world: World, log: PlaygroundLog): () => Transporter {
  return () => {
    const t = nodemailer.createTransport({ jsonTransport: true });
    const send = t.sendMail.bind(t);
    t.sendMail = (async (mail: SendMailOptions) => {
      const info = await send(mail);
      world.notifications.push({ at: world.stamp(), channel: 'email', to: String(mail.to), summary: String(mail.subject ?? ''), body: { subject: mail.subject, text: mail.text } });
      log.info(`[mail] to ${String(mail.to)}: ${String(mail.subject ?? '')}`);
      return info;
    }) as typeof t.sendMail;
    return t;
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startPlayground(o: PlaygroundOptions): Promise<Playground> {
  const host = o.host ?? '127.0.0.1';
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const secret = randomBytes(16).toString('hex');
  const sinkSecret = randomBytes(16).toString('hex');
  const world = new World('acme', 1, 1, { login: 'puddlejumper[bot]', id: 99, type: 'Bot' });
  let webhookUrl: string | undefined;
  const webhooks = new Webhooks(world, secret, () => webhookUrl, o.log);
  const actors = new Actors(world, webhooks, new Payloads(world));
  const story: string[] = [];
  let control: ((req: IncomingMessage, res: ServerResponse, body: string) => Promise<boolean>) | undefined;
  const github = new GitHubServer({ world, events: actors, privateKey, sinkSecret, log: o.log, storyLines: () => story, control: (req, res, body) => control?.(req, res, body) ?? Promise.resolve(false) });
  const githubUrl = await github.listen(o.githubPort, host);
  seed(world, `${githubUrl}/_sink`);

  const appPort = o.port === 0 ? await freePort(host) : o.port; // Probot's server takes 0 for its default, 3000
  const appUrl = `http://${host}:${appPort}`;
  world.oauth.clientSecret = randomBytes(16).toString('hex');
  const loaded = loadSettings({
      GITHUB_CLIENT_ID: world.oauth.clientId,
      GITHUB_CLIENT_SECRET: world.oauth.clientSecret,
      PJ_SESSION_SECRET: randomBytes(32).toString('hex'),
      GITHUB_OAUTH_URL: githubUrl,
      PJ_PUBLIC_URL: appUrl,
      APP_ID: String(world.appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      DATABASE_URL: ':memory:',
      LOG_LEVEL: o.logLevel ?? 'warn',
      PJ_WORKER_INTERVAL_MS: '500',
      PJ_ALLOW_HTTP_WEBHOOKS: '1',
      PJ_SECRET_PAYMENTS_HOOK: sinkSecret,
      PJ_SECRET_PAGERDUTY_PAYMENTS: 'playground-routing-key',
      SLACK_BOT_TOKEN: 'xoxb-playground',
      SMTP_URL: 'smtp://mail.playground.invalid',
      PJ_MAIL_FROM: 'PuddleJumper playground <puddlejumper@playground.invalid>',
    });
  const settings: Settings = { ...loaded, githubBaseUrl: `${githubUrl}${API_PREFIX}`, admin: { ...loaded.admin, apiUrl: `${githubUrl}${API_PREFIX}` } };
  const db = openDatabase(settings.databaseUrl);
  await migrateToLatest(db);
  const untrusted: Untrusted | undefined = o.sandbox === false ? undefined : untrustedDocuments({ deadlineMs: settings.parseDeadlineMs, size: 1 });
  let wiring: Wiring | undefined;
  const app: PuddleJumperApp = puddleJumperApp({
    db,
    routes: (probot) => {
      wiring = wire({
        app: probot,
        db,
        settings,
        // The worker and the sweeps run below, where stop() can end them before the store closes.
        startWorker: false,
        ...(untrusted ? { untrusted } : {}),
        notifyEndpoints: {
          slackApiBase: `${githubUrl}/_sink/slack/api`,
          pagerDutyEventsUrl: `${githubUrl}/_sink/pagerduty/v2/enqueue`,
          createMailTransport: mailCapture(world, o.log),
        },
      });
      return wiring.routes;
    },
    // The control plane (/admin): its "Sign in with GitHub" runs the OAuth flow against the playground GitHub.
    handlers: () => (wiring ? [controlPlane({ wiring, db, settings })] : []),
    dispatch: (id) => wiring!.dispatch(id),
    resumeIntervalMs: settings.workerIntervalMs,
  });
  const { server } = await startServer(app, {
    host,
    port: appPort,
    log: pino({ level: settings.logLevel, base: { name: 'puddlejumper' } }),
    webhookPath: settings.webhookPath,
    Probot: Probot.defaults({ appId: world.appId, privateKey, secret, baseUrl: settings.githubBaseUrl, Octokit: OutboxOctokit }),
  });
  const worker = new Worker(wiring!.outbox, { intervalMs: settings.workerIntervalMs });
  worker.start();
  let sweeping: Promise<unknown> | undefined;
  let ticks = 0;
  const sweeps = setInterval(() => {
    // Due drift windows every tick, escalations every 60th (as the production wiring does, on a shorter clock).
    sweeping ??= Promise.all([wiring!.drift.sweep(), ++ticks % 60 === 0 ? wiring!.escalate() : undefined])
      .catch((err: unknown) => o.log.warn(`background sweep failed: ${(err as Error).message}`))
      .finally(() => (sweeping = undefined));
  }, settings.workerIntervalMs);
  sweeps.unref();
  webhookUrl = `${appUrl}${settings.webhookPath}`;

  const settle = async () => {
    // A webhook's work may write to GitHub, which sends more webhooks: until both are quiet.
    for (let round = 0; round < 20; round++) {
      await webhooks.idle();
      await app.drain();
      if (!webhooks.busy) return;
    }
  };
  let playing: Promise<StoryResult> | undefined;
  const play = (until?: number) => {
    playing ??= playStory({ world, actors, settle, out: (line) => (story.push(line), o.out(line)), ...(until !== undefined ? { until } : {}) }).finally(() => (playing = undefined));
    return playing;
  };
  control = async (req, res, body) => {
    const m = req.method === 'POST' ? /^\/_playground\/(open|comment|push|merge)$/.exec(req.url ?? '') : null;
    if (m) {
      try {
        const text = await drive(world, actors, settle, { ...(JSON.parse(body) as DriveRequest), action: m[1] as DriveRequest['action'] });
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
      } catch (error) {
        res.writeHead(422, { 'content-type': 'text/plain; charset=utf-8' }).end((error as Error).message);
      }
      return true;
    }
    if (req.method === 'POST' && req.url === '/_playground/replay') {
      const from = story.length;
      await play();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(story.slice(from).join('\n'));
      return true;
    }
    return false;
  };

  actors.install(PEOPLE.admin);
  await settle();
  const pg: Playground = {
    appUrl,
    githubUrl,
    world,
    actors,
    github,
    webhooks,
    wiring: wiring!,
    db,
    settle,
    play,
    stop: async () => {
      app.stop();
      await server.stop();
      await app.drain();
      clearInterval(sweeps);
      await sweeping;
      await worker.stop();
      await github.close();
      await untrusted?.close();
      await db.destroy();
    },
  };
  if (o.story !== false) await play();
  return pg;
}
