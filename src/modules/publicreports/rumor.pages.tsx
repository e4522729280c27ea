import type { Context, Hono } from 'hono';
import type { Services } from '../../services.js';
import type { CalmPage, PublicEnv } from '../../web/public.js';
import { PublicLayout, renderPublicPage, type PublicPageContext } from '../../web/public-layout.js';
import { catalogFor, negotiateLanguage, translator, type Catalog } from './catalog.js';
import type { PublishedAnswer } from './rumor.service.js';

/**
 * Rumor control, /rumor-control: the index of published answers and one page per answer, in the reader's
 * language (English where an answer has no text in it, saying so), and a JSON Feed county sites can embed.
 * Everything here is TLP:CLEAR by construction: only what analysts wrote in an answer.
 */

const dateIn = (d: Date, lang: string) => new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'America/Los_Angeles' }).format(d);

function ctxFor(catalog: Catalog, slug?: string): PublicPageContext {
  return { catalog, t: translator(catalog.meta.code), hrefFor: (code) => (slug ? `/rumor-control/${code}/${slug}` : `/rumor-control/${code}`) };
}

export function registerRumorPages(app: Hono<PublicEnv>, deps: { services: Services; calmPage: CalmPage }): void {
  const { services, calmPage } = deps;
  const publicCache = (c: Context<PublicEnv>) => c.header('cache-control', 'public, max-age=60');

  const index = async (c: Context<PublicEnv>, catalog: Catalog) => {
    const ctx = ctxFor(catalog);
    const { t } = ctx;
    const code = catalog.meta.code;
    const answers = await services.rumor.listPublished(code);
    publicCache(c);
    return c.html(
      renderPublicPage(
        <PublicLayout title={t('rumor_title')} ctx={ctx}>
          <h1>{t('rumor_title')}</h1>
          <p>{t('rumor_intro')}</p>
          <p class="notice">{t('official_source')}</p>
          {answers.length === 0 ? (
            <p>{t('rumor_none')}</p>
          ) : (
            <ul>
              {answers.map((a) => (
                <li lang={a.translated ? undefined : 'en'}>
                  <a href={`/rumor-control/${code}/${a.slug}`}>{a.title}</a> <span class="muted">{t('rumor_updated', { date: dateIn(a.publishedAt, code) })}</span>
                </li>
              ))}
            </ul>
          )}
          <p>
            <a href={`/rumor-control/feed.json?lang=${code}`}>{t('rumor_feed')}</a>
          </p>
          <p>
            <a href={`/report/${code}`}>{t('rumor_report')}</a>
          </p>
        </PublicLayout>,
      ),
    );
  };

  app.get('/', (c) => index(c, catalogFor(negotiateLanguage(c.req.header('accept-language')))!));

  // JSON Feed 1.1 (https://jsonfeed.org/version/1.1): public, so any county site may fetch it.
  app.get('/feed.json', async (c) => {
    const catalog = catalogFor(c.req.query('lang')) ?? catalogFor('en')!;
    const code = catalog.meta.code;
    const t = translator(code);
    const base = services.rumor.publicUrl();
    const answers = await services.rumor.listPublished(code);
    publicCache(c);
    c.header('access-control-allow-origin', '*');
    return c.body(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: t('rumor_title'),
        home_page_url: `${base}/rumor-control/${code}`,
        feed_url: `${base}/rumor-control/feed.json?lang=${code}`,
        description: t('rumor_intro'),
        language: catalog.meta.htmlLang,
        items: answers.map((a: PublishedAnswer) => ({
          id: `${base}/rumor-control/${a.slug}`,
          url: `${base}/rumor-control/${code}/${a.slug}`,
          title: a.title,
          content_text: a.body,
          date_published: a.publishedAt.toISOString(),
          date_modified: a.updatedAt.toISOString(),
          language: a.language,
        })),
      }),
      200,
      { 'content-type': 'application/feed+json; charset=utf-8' },
    );
  });

  app.get('/:lang', (c) => {
    const catalog = catalogFor(c.req.param('lang'));
    if (!catalog) return calmPage(c, 404, 'rumor_title', 'rumor_none');
    return index(c, catalog);
  });

  app.get('/:lang/:slug', async (c) => {
    const catalog = catalogFor(c.req.param('lang'));
    const slug = c.req.param('slug');
    if (!catalog || !/^[a-z0-9-]{1,40}$/.test(slug)) return calmPage(c, 404, 'rumor_title', 'rumor_none');
    const code = catalog.meta.code;
    const a = await services.rumor.publishedBySlug(slug, code);
    if (!a) return calmPage(c, 404, 'rumor_title', 'rumor_none');
    const ctx = ctxFor(catalog, slug);
    const { t } = ctx;
    publicCache(c);
    return c.html(
      renderPublicPage(
        <PublicLayout title={a.title} ctx={ctx}>
          {!a.translated && <p class="notice">{t('rumor_not_translated')}</p>}
          <article lang={a.translated ? undefined : 'en'} dir={a.translated ? undefined : 'ltr'}>
            <h1>{a.title}</h1>
            <p class="muted">{t('rumor_updated', { date: dateIn(a.publishedAt, code) })}</p>
            <div class="answer-body">{a.body}</div>
          </article>
          <p>
            <a href={`/rumor-control/${code}`}>{t('rumor_title')}</a>
          </p>
          <p>
            <a href={`/report/${code}`}>{t('rumor_report')}</a>
          </p>
        </PublicLayout>,
      ),
    );
  });
}
