// /explore in headless Chromium with the network outside 127.0.0.1 blocked:
// * the README's shareable /explore URL (the headline filter) draws exactly its two
//   incidents (SVG circles
//   carrying the incidents' global ids, the same ids GraphQL returns for that filter),
//   the weekly bars add up to two, and a click on each opens its popup (date, place,
//   participants, sources);
// * "Open this query in GraphiQL" opens GraphiQL with the same query and filter, which
//   answers the same two incidents;
// * the screenshot of the map is checked: sea (5 %) and land (20 %) colours cover it, and
//   each incident's colour is there;
// * without a filter, every demo incident with coordinates is on the map once, as a
//   point or inside a cluster (Erbil airport and the Peshmerga base are one cluster of
//   two, which a click splits);
// * colouring by event type changes the legend and is kept in the URL;
// * a filter typed into the form goes into the URL, and a bad one shows the error code.
//
//   node explore.mjs BASE_URL SCREENSHOT_PATH

import { readFileSync } from "node:fs";
import { Failure, open, pixelStats, run } from "./lib.mjs";

// The README's example URL: http://127.0.0.1:8000/explore?filter=<JSON> on a line of its own.
const README = new URL("../../README.md", import.meta.url);
// The JSON is written as is (a browser's address bar encodes it); it is encoded here.
const README_URL = /^\s*http:\/\/127\.0\.0\.1:8000\/explore\?filter=(\{.*\})$/m.exec(readFileSync(README, "utf8"));
if (!README_URL) throw new Error("README.md has no /explore?filter= example URL");
const HEADLINE_FILTER = JSON.parse(README_URL[1]);
const README_PATH = `/explore?filter=${encodeURIComponent(README_URL[1])}`;
const HEADLINE_BASES = ["Ain al-Asad Air Base", "Erbil International Airport"];

async function graphql(page, origin, query, variables) {
  const response = await page.request.post(`${origin}/graphql`, { data: { query, variables } });
  const body = await response.json();
  if (body.errors) throw new Failure(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function ready(page) {
  try {
    await page.locator('#map[data-state="ready"]').waitFor({ state: "attached" });
  } catch {
    throw new Failure(`the map never got ready; status: ${await page.locator("#status").innerText()}`);
  }
}

const hex = (rgb) => `#${rgb.match(/\d+/g).slice(0, 3).map((v) => Number(v).toString(16).padStart(2, "0")).join("")}`;

await run("explore", async (page, origin, screenshotPath) => {
  const expected = await graphql(
    page, origin,
    "query($f: IncidentFilter) { incidents(filter: $f) { edges { node { id occurredOn location { name } } } } }",
    { f: HEADLINE_FILTER },
  );
  const nodes = expected.incidents.edges.map((e) => e.node);
  if (JSON.stringify(nodes.map((n) => n.location.name)) !== JSON.stringify(HEADLINE_BASES)) {
    throw new Failure(`the headline filter matches ${JSON.stringify(nodes)}`);
  }

  await open(page, `${origin}${README_PATH}`);
  await ready(page);
  const ids = await page.locator("#map circle.incident").evaluateAll((els) => els.map((e) => e.dataset.id));
  const clustered = await page.locator("#map .cluster").count();
  if (clustered !== 0 || JSON.stringify([...ids].sort()) !== JSON.stringify(nodes.map((n) => n.id).sort())) {
    throw new Failure(`the map draws ${JSON.stringify(ids)} and ${clustered} clusters; expected ${JSON.stringify(nodes.map((n) => n.id))}`);
  }
  const labels = await page.locator("#map text.label").evaluateAll((els) => els.map((e) => e.textContent));
  if (JSON.stringify(labels.sort()) !== JSON.stringify([...HEADLINE_BASES].sort())) {
    throw new Failure(`the map labels ${JSON.stringify(labels)}`);
  }
  const status = await page.locator("#status").innerText();
  if (!status.startsWith("2 incidents match.")) throw new Failure(`status: ${status}`);
  const bars = await page.locator("#timeline rect.week").evaluateAll((els) => els.map((e) => Number(e.dataset.count)));
  if (bars.reduce((a, b) => a + b, 0) !== 2) throw new Failure(`weekly bars ${JSON.stringify(bars)}`);

  // Each incident's popup: its date, place, participants and sources.
  for (const node of nodes) {
    await page.locator(`#map circle.incident[data-id="${node.id}"]`).click();
    const popup = page.locator(`#popup article[data-id="${node.id}"]`);
    await popup.waitFor({ state: "visible" });
    const heading = await popup.locator("h3").innerText();
    if (!heading.startsWith(`${node.occurredOn} · ${node.location.name}`)) {
      throw new Failure(`popup heading "${heading}" for ${node.location.name}`);
    }
    const participants = await popup.locator("ul.participants li").count();
    const sources = await popup.locator("ul.sources li a").count();
    if (participants < 2 || sources < 1) {
      throw new Failure(`popup of ${node.location.name}: ${participants} participants, ${sources} sources`);
    }
    await page.locator("#popup .close").click();
    await page.locator("#popup").waitFor({ state: "hidden" });
  }

  // "Open this query in GraphiQL": the same query and filter, runnable there.
  const graphiqlUrl = await page.locator("#graphiql-link").getAttribute("href");
  const gq = await page.context().newPage();
  try {
    await open(gq, `${origin}${graphiqlUrl}`);
    await gq.locator("button.graphiql-execute-button").waitFor({ state: "visible" });
    const posted = gq.waitForResponse((r) => r.url() === `${origin}/graphql`
      && r.request().method() === "POST"
      && (r.request().postDataJSON()?.query ?? "").startsWith("query ExploreIncidents("));
    await gq.locator("button.graphiql-execute-button").click();
    const response = await posted;
    const sent = response.request().postDataJSON();
    const answer = await response.json();
    const sameFilter = JSON.stringify(sent.variables.filter) === JSON.stringify(HEADLINE_FILTER);
    const answered = answer.data ? answer.data.incidents.edges.map((e) => e.node.id).sort() : [];
    if (!sameFilter || JSON.stringify(answered) !== JSON.stringify(nodes.map((n) => n.id).sort())) {
      throw new Failure(`GraphiQL from /explore sent ${JSON.stringify(sent)} and got ${JSON.stringify(answer)}`);
    }
  } finally {
    await gq.close();
  }

  // The screenshot: the map is drawn (sea, land) and both incidents' colours show.
  const colours = await page.evaluate(() => ({
    sea: getComputedStyle(document.getElementById("map")).backgroundColor,
    land: getComputedStyle(document.querySelector("#map .land")).fill,
    dots: [...document.querySelectorAll("#map circle.incident")].map((c) => c.getAttribute("fill")),
  }));
  await page.screenshot({ path: screenshotPath });
  const mapShot = await page.locator("#map").screenshot();
  const wanted = [hex(colours.sea), hex(colours.land), ...new Set(colours.dots)];
  const stats = await pixelStats(page.context(), mapShot, wanted);
  const share = (c) => stats.counts[c] / stats.pixels;
  if (share(wanted[0]) < 0.05 || share(wanted[1]) < 0.2) {
    throw new Failure(`the map screenshot is not a map: ${JSON.stringify(stats)}`);
  }
  for (const dot of wanted.slice(2)) {
    if (stats.counts[dot] < 30) throw new Failure(`incident colour ${dot} hardly on the map: ${JSON.stringify(stats)}`);
  }

  // No filter: every demo incident with coordinates exactly once (points + clusters).
  const all = await graphql(
    page, origin, "{ incidents(first: 100) { totalCount edges { node { id eventType location { coordinates { latitude } } } } } }",
  );
  const placed = all.incidents.edges.filter((e) => e.node.location && e.node.location.coordinates).map((e) => e.node.id);
  await open(page, `${origin}/explore`);
  await ready(page);
  const drawn = await page.evaluate(() => [
    ...[...document.querySelectorAll("#map circle.incident")].map((c) => c.dataset.id),
    ...[...document.querySelectorAll("#map .cluster")].flatMap((g) => g.dataset.ids.split(" ")),
  ]);
  if (JSON.stringify(drawn.sort()) !== JSON.stringify(placed.sort())) {
    throw new Failure(`without a filter the map draws ${drawn.length} incidents, expected ${placed.length}`);
  }
  // At this size Erbil airport and the Peshmerga base (about 20 km apart) are one
  // cluster of two; clicking it zooms in until they are two points.
  const cluster = page.locator("#map .cluster");
  const members = await cluster.evaluateAll((gs) => gs.map((g) => g.dataset.ids.split(" ")));
  if (members.length !== 1 || members[0].length !== 2) {
    throw new Failure(`expected one cluster of two, got ${JSON.stringify(members)}`);
  }
  await cluster.locator("circle").click();
  const split = await page.locator("#map circle.incident").evaluateAll((els) => els.map((e) => e.dataset.id));
  if (!members[0].every((id) => split.includes(id)) || (await cluster.count()) !== 0) {
    throw new Failure(`after a click on the cluster the map draws ${JSON.stringify(split)}`);
  }
  // Colour by event type: the legend lists the incidents' event types; the URL keeps it.
  await page.locator("#colour").selectOption("eventType");
  const legend = await page.locator("#legend li").evaluateAll((els) => els.map((e) => e.dataset.key));
  const types = [...new Set(all.incidents.edges.map((e) => e.node.eventType))];
  if (JSON.stringify(legend.sort()) !== JSON.stringify(types.sort())) {
    throw new Failure(`legend by event type ${JSON.stringify(legend)}, expected ${JSON.stringify(types)}`);
  }
  if (new URL(page.url()).searchParams.get("colour") !== "eventType") {
    throw new Failure(`the URL does not keep the colouring: ${page.url()}`);
  }

  // A filter typed into the form goes into the URL; a bad one shows the API's error code.
  await page.locator("#filter").fill('{"weapon": {"in": ["NOPE"]}}');
  await page.locator("#filter-form button[type=submit]").click();
  await page.locator('#map[data-state="error"]').waitFor({ state: "attached" });
  const error = await page.locator("#status.error").innerText();
  if (!error.startsWith("GRAPHQL_VALIDATION_FAILED: Variable '$filter' has invalid value")) {
    throw new Failure(`a bad filter shows "${error}"`);
  }
  const shared = new URL(page.url()).searchParams.get("filter");
  if (shared !== '{"weapon": {"in": ["NOPE"]}}') throw new Failure(`the URL holds ${page.url()}`);
  if ((await page.locator("#map circle.incident, #map .cluster").count()) !== 0) {
    throw new Failure("a bad filter left incidents on the map");
  }
  await page.locator("#filter").fill("{not json");
  await page.locator("#filter-form button[type=submit]").click();
  const notJson = await page.locator("#status.error").innerText();
  if (!notJson.startsWith("The filter is not valid JSON")) throw new Failure(`invalid JSON shows "${notJson}"`);

  return `/explore draws the headline's two incidents (${HEADLINE_BASES.join(", ")}), `
    + `${bars.length} weekly bars; all ${placed.length} demo incidents without a filter; `
    + `map pixels ${JSON.stringify(stats.counts)} of ${stats.pixels}; screenshot ${screenshotPath}`;
});
