import type { AuditEntryConnectionResolvers, AuditEntryResolvers, QueryResolvers, Resolvers } from '../../graphql/generated.js';
import { viewer } from '../../graphql/viewer.js';
import { describeVerification } from './audit.query.js';
import { decodeCursor, encodeCursor, isCursorId, pageSize } from '../../graphql/pagination.js';

const Query: Pick<QueryResolvers, 'auditLog' | 'auditChainVerification'> = {
  auditChainVerification: async (_p, _a, ctx) => {
    const v = await ctx.services.audit.verify(viewer(ctx));
    const r = v.result;
    return {
      ok: describeVerification(v).ok,
      entries: r.entries,
      checkpoints: v.checkpoints,
      brokenAt: r.ok ? null : r.brokenSeq,
      reason: r.ok ? (v.problems.length ? v.problems.join('; ') : null) : r.reason,
      summary: describeVerification(v).text,
    };
  },
  auditLog: (_p, args, ctx) => {
    const before = args.after ? decodeCursor<number>(args.after, isCursorId) : null;
    return ctx.services.audit.list(viewer(ctx), args.filter ?? {}, pageSize(args.first), before);
  },
};

const AuditEntryConnection: AuditEntryConnectionResolvers = {
  totalCount: (c) => c.totalCount(),
  edges: (c) => c.nodes.map((node) => ({ node, cursor: encodeCursor(node.row.seq) })),
  pageInfo: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.nodes.length ? encodeCursor(c.nodes[c.nodes.length - 1]!.row.seq) : null }),
};

const AuditEntry: AuditEntryResolvers = {
  seq: (e) => e.row.seq,
  at: (e) => e.row.at,
  actorEmail: (e) => e.row.actor_email,
  actorOrganization: (e) => e.row.actor_organization_slug,
  tokenPrefix: (e) => e.row.token_prefix,
  action: (e) => e.row.action,
  objectType: (e) => e.row.object_type,
  objectId: (e) => e.row.object_id,
  change: (e) => (e.changeVisible ? e.row.change : null),
  requestId: (e) => e.row.request_id,
  clientAddress: (e) => e.row.client_address,
  hash: (e) => e.row.hash,
};

export const auditResolvers: Resolvers = { Query, AuditEntryConnection, AuditEntry };
