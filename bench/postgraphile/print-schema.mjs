import { makeSchema } from "postgraphile";
import { printSchema } from "postgraphile/graphql";
import preset from "./graphile.config.mjs";
const { schema } = await makeSchema(preset);
console.log(printSchema(schema));
process.exit(0);
