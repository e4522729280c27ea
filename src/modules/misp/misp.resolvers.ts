import type { QueryResolvers, Resolvers } from '../../graphql/generated.js';
import { viewer } from '../../graphql/viewer.js';

/** `mispEvent(incident: ID!)`: an incident and its indicators as a MISP event (JSON), for the caller. */
const mispEvent: QueryResolvers['mispEvent'] = (_parent, args, ctx) => ctx.services.misp.exportIncident(viewer(ctx), args.incident);

export const mispResolvers: Resolvers = { Query: { mispEvent } };
