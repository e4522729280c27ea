import type { Child } from 'hono/jsx';
import { catalogs, type Catalog, type Translate } from '../modules/publicreports/index.js';
import { PUBLIC_ASSETS_PATH, publicAssets } from './public-assets.js';

/**
 * The public pages' layout: the page's language and direction from its catalog (a right-to-left catalog sets
 * dir="rtl" and the style sheet mirrors), a language switcher naming each language in itself, no inline
 * script or style (CSP default-src 'self').
 */

export interface PublicPageContext {
  catalog: Catalog;
  t: Translate;
  /** Where each language's version of this page lives: /report/es, /rumor-control/es/… */
  hrefFor: (code: string) => string;
  /** Scripts beyond none: the ALTCHA widget on the form only. */
  altcha?: boolean;
}

export function PublicLayout(props: { title: string; ctx: PublicPageContext; children?: Child }) {
  const { css, altcha, altchaCss } = publicAssets();
  const { catalog, t } = props.ctx;
  return (
    <html lang={catalog.meta.htmlLang} dir={catalog.meta.dir}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${t('site_name')}`}</title>
        <link rel="stylesheet" href={`${PUBLIC_ASSETS_PATH}/${css.name}`} />
        {props.ctx.altcha && <link rel="stylesheet" href={`${PUBLIC_ASSETS_PATH}/${altchaCss.name}`} />}
        {props.ctx.altcha && <script type="module" src={`${PUBLIC_ASSETS_PATH}/${altcha.name}`}></script>}
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t('skip_link')}
        </a>
        <header class="site">
          <div class="brand">{t('site_name')}</div>
          <nav class="languages" aria-label={t('language_nav')}>
            <ul>
              {catalogs().list.map((c) => (
                <li>
                  <a href={props.ctx.hrefFor(c.meta.code)} lang={c.meta.htmlLang} dir={c.meta.dir} hreflang={c.meta.htmlLang} aria-current={c.meta.code === catalog.meta.code ? 'page' : undefined}>
                    {c.meta.name}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function renderPublicPage(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}
