// PostGraphile v5 peer for the Sitrep benchmark: the amber preset plus the
// connection-filter plugin (with relation filters, so that nested lists can be
// restricted to PUBLISHED records the way Sitrep restricts them).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PG_POOL_MAX || 10) },
    }),
  ],
  schema: {
    connectionFilterRelations: true,
    connectionFilterAllowNullInput: false,
  },
  grafserv: {
    port: Number(process.env.PORT || 8022),
    host: "127.0.0.1",
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
  // Amber only lets indexed columns be filtered; Sitrep filters any column, so allow it.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
};

export default preset;
