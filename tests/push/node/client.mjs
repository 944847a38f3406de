// A subscriber on a reference client: graphql-ws (graphql-transport-ws over WebSocket)
// or graphql-sse (GraphQL over Server-Sent Events, distinct connections mode).
// Prints one JSON line per result, then exits after `count` results.
//   node client.mjs ws|sse <url> <key or ""> <count> <query> [variables JSON]
import { createClient as createWsClient } from "graphql-ws";
import { createClient as createSseClient } from "graphql-sse";
import WebSocket from "ws";

const [transport, url, key, count, query, variables] = process.argv.slice(2);
const auth = key ? { Authorization: `Bearer ${key}` } : {};
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const client =
  transport === "ws"
    ? createWsClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: auth,
        retryAttempts: 0,
        on: { connected: () => print({ connected: true }) },
      })
    : createSseClient({ url, headers: auth, retryAttempts: 0 });

let received = 0;
try {
  const results = client.iterate({ query, variables: JSON.parse(variables || "{}") });
  for await (const result of results) {
    print(result);
    received += 1;
    if (received >= Number(count)) break;
  }
} catch (error) {
  print({ failed: String(error?.message ?? error?.code ?? error) });
  process.exitCode = 1;
} finally {
  client.dispose();
}
