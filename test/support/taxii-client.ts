/**
 * A small TAXII 2.1 client written from the specification (OASIS TAXII 2.1, 10 June 2021, sections 4-5),
 * not from the hub's server code: it speaks only HTTP, the media type and the envelope/status resources.
 */

export const TAXII = 'application/taxii+json;version=2.1';

export interface TaxiiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class TaxiiClient {
  constructor(
    readonly base: string,
    readonly authorization: string,
  ) {}

  static basic(base: string, user: string, password: string): TaxiiClient {
    return new TaxiiClient(base, `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  }

  static bearer(base: string, token: string): TaxiiClient {
    return new TaxiiClient(base, `Bearer ${token}`);
  }

  async request<T = any>(method: string, path: string, opts: { query?: Record<string, string | undefined>; body?: string; headers?: Record<string, string> } = {}): Promise<TaxiiResponse<T>> {
    const url = new URL(path.startsWith('http') ? path : `${this.base}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const res = await fetch(url, { method, headers: { accept: TAXII, authorization: this.authorization, ...(opts.body !== undefined ? { 'content-type': TAXII } : {}), ...opts.headers }, body: opts.body });
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body };
  }

  discovery() {
    return this.request('GET', '/taxii2/');
  }

  /** The first API root of the discovery resource, as a URL. */
  async apiRoot(): Promise<string> {
    const d = await this.discovery();
    if (d.status !== 200) throw new Error(`discovery answered ${d.status}`);
    return d.body.api_roots[0];
  }

  async collections(root: string) {
    return this.request('GET', `${root}collections/`);
  }

  objects(root: string, collection: string, filters: Record<string, string | undefined> = {}) {
    return this.request('GET', `${root}collections/${collection}/objects/`, { query: filters });
  }

  manifest(root: string, collection: string, filters: Record<string, string | undefined> = {}) {
    return this.request('GET', `${root}collections/${collection}/manifest/`, { query: filters });
  }

  object(root: string, collection: string, id: string, filters: Record<string, string | undefined> = {}) {
    return this.request('GET', `${root}collections/${collection}/objects/${id}/`, { query: filters });
  }

  versions(root: string, collection: string, id: string) {
    return this.request('GET', `${root}collections/${collection}/objects/${id}/versions/`);
  }

  delete(root: string, collection: string, id: string) {
    return this.request('DELETE', `${root}collections/${collection}/objects/${id}/`);
  }

  add(root: string, collection: string, objects: unknown[]) {
    return this.request('POST', `${root}collections/${collection}/objects/`, { body: JSON.stringify({ objects }) });
  }

  status(root: string, id: string) {
    return this.request('GET', `${root}status/${id}/`);
  }

  /** Every object of a collection, page by page with `next` (limit per page); the pages' date headers too. */
  async all(root: string, collection: string, filters: Record<string, string | undefined> = {}, limit = 100) {
    const objects: any[] = [];
    let next: string | undefined;
    let pages = 0;
    let last: string | null = null;
    for (;;) {
      const r = await this.objects(root, collection, { ...filters, limit: String(limit), next });
      if (r.status !== 200) throw new Error(`objects answered ${r.status}: ${JSON.stringify(r.body)}`);
      pages++;
      objects.push(...(r.body.objects ?? []));
      last = r.headers.get('x-taxii-date-added-last') ?? last;
      if (!r.body.more) break;
      next = r.body.next;
    }
    return { objects, pages, last };
  }
}
