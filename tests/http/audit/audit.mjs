// Runs the graphql-http server audit against a running server and prints one JSON line:
// {"results": [{"id", "name", "status", "reason"}...]}. Usage: node audit.mjs URL
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
const out = [];
for (const r of results) {
  const item = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') item.reason = r.reason;
  out.push(item);
}
process.stdout.write(JSON.stringify({ results: out }) + '\n');
