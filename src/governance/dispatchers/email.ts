// notify.email: one mail to one recipient over SMTP (nodemailer; SMTP_URL such as
// smtps://user:pass@smtp.example.com:465, and PJ_MAIL_FROM), plain text plus HTML.
// - The Message-ID is derived from the action's idempotency key (event + channel +
//   recipient): a retry after a lost reply carries the same Message-ID, so mail systems and
//   clients see one message, not two.
// - Mails of one chain share a thread: In-Reply-To and References point at a per-(chain,
//   recipient) root id.
// SMTP 4xx replies (greylisting, "try again later") and connection errors are retried; 5xx
// replies (unknown mailbox, refused) and authentication errors are permanent.
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { PackOrigin } from '../action.js';
import { EmailPayloadSchema, payloadProblem, type EmailPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { DispatchError } from '../retry.js';

export interface EmailDispatcherOptions {
  env: Record<string, string | undefined>;
  /** Builds the transport for an SMTP URL (tests may pass their own). */
  createTransport?: (smtpUrl: string) => Transporter;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'puddlejumper.invalid';
}

export function emailMessageId(idempotencyKey: string, from: string): string {
  return `<pj.${hash(idempotencyKey)}@${domainOf(from)}>`;
}

export function emailThreadId(thread: string, to: string, from: string): string {
  return `<pj.thread.${hash(`${thread}\n${to.toLowerCase()}`)}@${domainOf(from)}>`;
}

/** Classifies a nodemailer error for the pipeline. */
function asDispatchError(error: unknown): DispatchError {
  const e = error as { responseCode?: unknown; code?: unknown; message?: unknown; response?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  if (code !== undefined) {
    const reply = typeof e.response === 'string' ? e.response : message;
    return new DispatchError(`SMTP answered ${code}: ${reply.slice(0, 200)}`, { retryable: code < 500 });
  }
  if (e?.code === 'EAUTH') return new DispatchError(`SMTP authentication failed: ${message}`, { retryable: false });
  if (e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE') return new DispatchError(`SMTP refused the message: ${message}`, { retryable: false });
  return new DispatchError(`SMTP ${typeof e?.code === 'string' ? `${e.code}: ` : ''}${message}`);
}

export function emailDispatcher(options: EmailDispatcherOptions): Dispatcher<EmailPayload> {
  const transports = new Map<string, Transporter>();
  const transportFor = (url: string) => {
    let t = transports.get(url);
    if (t === undefined) {
      // Timeouts well under the pipeline's dispatch timeout (60 s), so an attempt ends before its retry starts.
      t = options.createTransport
        ? options.createTransport(url)
        : nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
      transports.set(url, t);
    }
    return t;
  };
  const settings = () => {
    const url = options.env.SMTP_URL || undefined;
    const from = options.env.PJ_MAIL_FROM || undefined;
    return url !== undefined && from !== undefined ? { url, from } : undefined;
  };
  return {
    kind: 'notify.email',
    validate(payload: unknown, _origin: PackOrigin | undefined) {
      const problem = payloadProblem('notify.email', EmailPayloadSchema, payload);
      if (problem !== undefined) return problem;
      if (settings() === undefined) return `routing target ${(payload as EmailPayload).to} has no credentials (set SMTP_URL and PJ_MAIL_FROM)`;
      return undefined;
    },
    async dispatch({ action, payload: p, signal }) {
      const s = settings();
      if (s === undefined) throw new DispatchError(`routing target ${p.to} has no credentials (set SMTP_URL and PJ_MAIL_FROM)`, { retryable: false });
      const messageId = emailMessageId(action.idempotencyKey, s.from);
      const thread = p.thread !== undefined ? emailThreadId(p.thread, p.to, s.from) : undefined;
      const transport = transportFor(s.url);
      if (signal?.aborted) throw new DispatchError('aborted before sending');
      let info: { messageId?: string; accepted?: unknown[]; response?: string };
      try {
        info = (await transport.sendMail({
          from: s.from,
          to: p.to,
          subject: p.subject,
          text: p.text,
          html: p.html,
          messageId,
          ...(thread !== undefined ? { inReplyTo: thread, references: [thread] } : {}),
          headers: { 'X-PuddleJumper-Delivery': action.idempotencyKey, 'Auto-Submitted': 'auto-generated' },
        })) as typeof info;
      } catch (error) {
        throw asDispatchError(error);
      }
      return { to: p.to, messageId, ...(thread !== undefined ? { thread } : {}), accepted: (info.accepted ?? []).length };
    },
  };
}
