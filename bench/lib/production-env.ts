// Imported first by the HTTP benchmarks: graphql-js picks its production code paths from NODE_ENV when
// it is first loaded, as it does under `NODE_ENV=production estf serve`. The hub's own config is given
// explicitly by each benchmark, never read from this variable.
process.env.NODE_ENV ??= 'production';
