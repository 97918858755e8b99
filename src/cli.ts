#!/usr/bin/env node
// `pj`: the offline side of PuddleJumper. Each command lives in src/cli/ and returns
// its exit code; this file only picks the command.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

const USAGE = `pj — PuddleJumper's command line

Usage: pj <command> [options]

Commands:
  validate [DIR]        validate the policy packs in DIR (default policy-packs)
  check                 run the contracts evaluation on a local git repository
  drift                 run the documentation drift detectors on a local git repository
  diff BASE HEAD        compare two OpenAPI documents
  migrate               convert legacy ContractPack/DriftPlan exports to packs, or back
  migrate-db            bring the database (DATABASE_URL) schema up to date
  audit verify|export   check or export the audit log
  schema                print the JSON Schema of a pack, for editors
  test-run              run one pack over a repo's recent pull requests (reads GitHub, writes nothing)
  playground            try the app in a minute: a local GitHub and a story that plays itself

Run 'pj <command> --help' for the options of a command.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./cli/validate.js')).runValidate,
  check: async () => (await import('./cli/check.js')).runCheck,
  drift: async () => (await import('./cli/drift.js')).runDriftCli,
  diff: async () => (await import('./cli/diff.js')).runDiff,
  migrate: async () => (await import('./cli/migrate.js')).runMigrate,
  'migrate-db': async () => (await import('./cli/migrate-db.js')).runMigrateDb,
  schema: async () => (await import('./cli/schema.js')).runSchema,
  'test-run': async () => (await import('./cli/test-run.js')).runTestRun,
  playground: async () => (await import('./playground/cli.js')).runPlayground,
  audit: async () => {
    const { runAudit } = await import('./cli/audit.js');
    const { openConfiguredDatabase } = await import('./cli/migrate-db.js');
    return (argv, io) => runAudit(argv, io, openConfiguredDatabase);
  },
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`pj: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest, io);
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `pj … | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const io: CliIo = {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    cwd: process.cwd(),
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pj: ${(error as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
