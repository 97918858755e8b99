// The App manifest Probot's setup page posts to GitHub (`npm start` without APP_ID). Probot
// builds it from app.yml (node_modules/probot/lib/manifest-creation.js, getManifest): a few
// defaults computed from the request's base URL, then app.yml's keys spread over them as
// they are — it templates nothing, so app.yml cannot name this server's URLs. Two of them
// must be right for a new user: the OAuth callback of the control plane's sign-in
// (`callback_urls`, else GitHub refuses the sign-in's redirect_uri until someone adds it by
// hand) and the webhook URL at this server's webhook path. `registerControlPlaneInSetup`
// wraps Probot's getManifest so the setup page posts both, from the base URL the browser
// used (or PJ_PUBLIC_URL).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const OAUTH_CALLBACK_PATH = '/admin/oauth/callback';

export interface ManifestUrls {
  /** Where the browser reached the setup page (Probot's getBaseUrl), e.g. http://localhost:3000. */
  baseUrl: string;
  /** PJ_PUBLIC_URL: where browsers reach the app, when set. */
  publicUrl?: string | undefined;
  /** The app's webhook path (/api/github/webhooks). */
  webhookPath: string;
  /** A webhook proxy channel (smee), when the setup made or was given one. */
  webhookProxyUrl?: string | undefined;
}

/** The manifest with the control plane's OAuth callback and the webhook URL of this server. */
export function appManifest(manifest: Record<string, unknown>, urls: ManifestUrls): Record<string, unknown> {
  const base = (urls.publicUrl ?? urls.baseUrl).replace(/\/+$/, '');
  const callback = `${base}${OAUTH_CALLBACK_PATH}`;
  const listed = Array.isArray(manifest.callback_urls) ? manifest.callback_urls.filter((u): u is string => typeof u === 'string') : [];
  const hook = typeof manifest.hook_attributes === 'object' && manifest.hook_attributes !== null ? (manifest.hook_attributes as Record<string, unknown>) : {};
  return {
    ...manifest,
    hook_attributes: { ...hook, url: urls.webhookProxyUrl ?? `${base}${urls.webhookPath}` },
    // GitHub takes up to 10; the sign-in's own first.
    callback_urls: [callback, ...listed.filter((u) => u !== callback)].slice(0, 10),
  };
}

interface ManifestCreationLike {
  prototype: { getManifest(this: unknown, options: { baseUrl: string } & Record<string, unknown>): string };
}

let wrapped = false;

/**
 * Makes Probot's setup page post `appManifest(...)`. Probot exports only its entry point, so
 * its manifest module is found beside it; the wrap is installed once per process.
 */
export async function registerControlPlaneInSetup(urls: Omit<ManifestUrls, 'baseUrl' | 'webhookProxyUrl'>): Promise<void> {
  if (wrapped) return;
  const entry = createRequire(import.meta.url).resolve('probot');
  const { ManifestCreation } = (await import(new URL('./manifest-creation.js', pathToFileURL(entry)).href)) as { ManifestCreation: ManifestCreationLike };
  const original = ManifestCreation.prototype.getManifest;
  ManifestCreation.prototype.getManifest = function (options) {
    const generated = JSON.parse(original.call(this, options)) as Record<string, unknown>;
    // Read when the page is served: Probot's setup may have just made a smee channel.
    return JSON.stringify(appManifest(generated, { ...urls, baseUrl: options.baseUrl, webhookProxyUrl: process.env.WEBHOOK_PROXY_URL || undefined }));
  };
  wrapped = true;
}
