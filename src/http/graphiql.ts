/**
 * GraphiQL served by the hub itself, for closed networks: the page Yoga renders at /graphql names only
 * assets under /graphiql/ on the hub (no CDN), and those assets come from @graphql-yoga/render-graphiql,
 * which bundles GraphiQL, its styles and its editor workers. The bundle is 9 MB: it is loaded on the first
 * request for it, never by a process that does not serve GraphiQL.
 */

export const GRAPHIQL_ASSETS_PATH = '/graphiql';

const ASSETS = {
  'graphiql.js': 'js',
  'graphiql.css': 'css',
  'editor.worker.js': 'editorWorkerService',
  'json.worker.js': 'jsonWorker',
  'graphql.worker.js': 'graphqlWorker',
} as const;

let bundle: Promise<typeof import('@graphql-yoga/render-graphiql/graphiql')> | null = null;

/** An asset's body and content type, or null for a name that is not one. */
export async function graphiqlAsset(name: string): Promise<{ body: string; type: string } | null> {
  if (!Object.hasOwn(ASSETS, name)) return null;
  // The package's renderer inlines everything into one 9 MB page; its bundle module holds the parts.
  bundle ??= import('@graphql-yoga/render-graphiql/graphiql');
  const body = (await bundle)[ASSETS[name as keyof typeof ASSETS]];
  return { body, type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' };
}

/** The GraphiQL page: Yoga's own application and options, its assets named by path on this hub. */
export function renderLocalGraphiQL(opts: Record<string, unknown>): string {
  const base = GRAPHIQL_ASSETS_PATH;
  // `<` escaped so that no option value can close the script element.
  const options = JSON.stringify(opts).replace(/</g, '\\u003c');
  const title = String(opts.title ?? 'GraphiQL').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="stylesheet" href="${base}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: (_moduleId, label) =>
          ({ editorWorkerService: '${base}/editor.worker.js', json: '${base}/json.worker.js', graphql: '${base}/graphql.worker.js' })[label],
      };
    </script>
    <script src="${base}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(window.document.querySelector('#root'), ${options});
    </script>
  </body>
</html>
`;
}
