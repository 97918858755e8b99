// A real SMTP server (smtp-server) on 127.0.0.1 that captures what it accepts; `refuse`
// decides per DATA command whether to answer with an SMTP error instead.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Captured {
  from: string;
  to: string[];
  raw: string;
}

export interface FakeSmtp {
  url: string;
  messages: Captured[];
  attempts: number;
  close(): Promise<void>;
}

export async function fakeSmtp(refuse: (attempt: number) => { code: number; message: string } | undefined = () => undefined): Promise<FakeSmtp> {
  const state: FakeSmtp = { url: '', messages: [], attempts: 0, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts += 1;
        const no = refuse(state.attempts);
        if (no !== undefined) return callback(Object.assign(new Error(no.message), { responseCode: no.code }));
        state.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  state.url = `smtp://127.0.0.1:${port}?ignoreTLS=true`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** A header of a raw message, unfolded. */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m?.[1]?.trim();
}
