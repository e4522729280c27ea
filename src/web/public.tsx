import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../infra/logger.js';
import { createAbuseGuard, DEFAULT_LANGUAGE, negotiateLanguage, translator, catalogFor, type AbuseGuard } from '../modules/publicreports/index.js';
import { registerReportPages } from '../modules/publicreports/publicreports.pages.js';
import { registerRumorPages } from '../modules/publicreports/rumor.pages.js';
import type { Services } from '../services.js';
import { publicAssets } from './public-assets.js';
import { PublicLayout, renderPublicPage } from './public-layout.js';

/**
 * The hub's public side, /report (no sign-in): a Hono app of its own, with its own CSP and Origin check,
 * apart from the console's sessions and CSRF (a voter has neither). Mounted by src/http/app.ts.
 */

export type PublicEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    clientAddress: string | null;
  };
};

export interface PublicDeps {
  config: Config;
  services: Services;
  redis: Redis;
  /** Built from redis when not given (tests may hand their own). */
  guard?: AbuseGuard;
}

// worker-src: ALTCHA's proof of work runs in a Worker loaded from this hub; nothing else is allowed.
const CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; img-src 'self' data:";

/** The report form, mounted at /report. */
export function createPublicReportSite(deps: PublicDeps) {
  const { config, services } = deps;
  const guard = deps.guard ?? createAbuseGuard({ redis: deps.redis, config, prefix: `${config.queuePrefix}:public`, hmacKey: services.publicReports.altchaKey });
  return publicShell(config, (app, calmPage) => registerReportPages(app, { config, services, guard, calmPage }));
}

/** Rumor control, mounted at /rumor-control: the published answers, their index and feed. */
export function createRumorControlSite(deps: Pick<PublicDeps, 'config' | 'services'>) {
  return publicShell(deps.config, (app, calmPage) => registerRumorPages(app, { services: deps.services, calmPage }));
}

/** What every public page shares: security headers and CSP, assets, the Origin check, the body limit, calm error pages. */
function publicShell(config: Config, register: (app: Hono<PublicEnv>, calmPage: CalmPage) => void) {
  const origin = new URL(config.http.publicUrl).origin;
  const app = new Hono<PublicEnv>();

  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    c.header('x-frame-options', 'DENY');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  app.get('/assets/:name', (c) => {
    const a = publicAssets().byName.get(c.req.param('name'));
    if (!a) return c.text('not found', 404);
    return c.body(new Uint8Array(a.body), 200, { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable' });
  });

  const calmPage = (c: Context<PublicEnv>, status: 400 | 403 | 404 | 413 | 429 | 503, titleKey: string, textKey: string, vars?: Record<string, string | number>) => {
    const code = catalogFor(c.req.path.split('/')[2])?.meta.code ?? negotiateLanguage(c.req.header('accept-language'));
    c.header('cache-control', 'no-store');
    const t = translator(code);
    const catalog = catalogFor(code)!;
    return c.html(
      renderPublicPage(
        <PublicLayout title={t(titleKey)} ctx={{ catalog, t, hrefFor: (l) => `/report/${l}` }}>
          <h1>{t(titleKey)}</h1>
          <p>{t(textKey, vars)}</p>
          <p>
            <a href={`/report/${code}`}>{t('back_to_form')}</a>
          </p>
        </PublicLayout>,
      ),
      status,
    );
  };

  // A voter's browser sends Origin with every form post: one from elsewhere is refused.
  const checkOrigin: MiddlewareHandler<PublicEnv> = async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.header('origin') !== origin) return calmPage(c, 403, 'refused_title', 'refused_text');
    await next();
  };
  app.use('*', checkOrigin);
  // The screenshot's limit and room for the rest of the form; read before anything parses the body.
  app.use(
    '*',
    bodyLimit({
      maxSize: config.publicReports.screenshotMaxBytes + 256 * 1024,
      onError: (c) => calmPage(c as Context<PublicEnv>, 413, 'refused_title', 'err_screenshot_size', { max: Math.round(config.publicReports.screenshotMaxBytes / 1024 / 1024) }),
    }),
  );

  register(app, calmPage);

  app.onError((err, c) => {
    // Never a stack trace or a JSON error to a voter: the calm page, logged with the request id.
    c.get('logger')?.error({ err }, 'public report page failed');
    return calmPage(c, 503, 'surge_title', 'surge_text');
  });
  app.all('*', (c) => calmPage(c, 404, 'refused_title', 'refused_text'));
  return app;
}

export type CalmPage = (c: Context<PublicEnv>, status: 400 | 403 | 404 | 413 | 429 | 503, titleKey: string, textKey: string, vars?: Record<string, string | number>) => Response | Promise<Response>;
export { DEFAULT_LANGUAGE };
