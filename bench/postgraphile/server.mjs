// Serves PostGraphile v5 on http://127.0.0.1:$PORT/graphql (production mode).
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.mjs";

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.once("listening", () => {
  server.on("error", (e) => console.error(e));
});
await serv.addTo(server);
const port = Number(process.env.PORT || 8022);
server.listen(port, "127.0.0.1", () => console.log(`postgraphile listening on ${port}`));
const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
