// /docs (Swagger UI) renders from Sitrep's own assets with the network outside
// 127.0.0.1 blocked: the API title and every path of /openapi.json are on the page, and
// "Try it out" runs GET /healthz.
//
//   node docs.mjs BASE_URL SCREENSHOT_PATH

import { Failure, open, run } from "./lib.mjs";

await run("docs", async (page, origin, screenshotPath) => {
  await open(page, `${origin}/docs`);
  const spec = await (await page.request.get(`${origin}/openapi.json`)).json();
  try {
    await page.locator(".swagger-ui .info .title").waitFor({ state: "visible" });
  } catch {
    throw new Failure("Swagger UI did not render the API title");
  }
  const title = (await page.locator(".swagger-ui .info .title").innerText()).trim();
  if (!title.startsWith(spec.info.title)) throw new Failure(`title "${title}"`);
  const paths = (await page.locator(".opblock-summary-path").allInnerTexts()).map((p) =>
    p.replace(/\u200b/g, "").trim(),
  );
  const expected = Object.keys(spec.paths);
  const missing = expected.filter((p) => !paths.includes(p));
  if (missing.length || expected.length === 0) {
    throw new Failure(`Swagger UI lists ${JSON.stringify(paths)}; missing ${JSON.stringify(missing)}`);
  }
  // "Try it out" on GET /healthz: Swagger UI sends the request and shows the answer.
  const block = page.locator("#operations-default-healthz_healthz_get");
  await block.locator(".opblock-summary").click();
  await block.locator("button.try-out__btn").click();
  await block.locator("button.execute").click();
  const answer = block.locator(".live-responses-table .response-col_description pre");
  await answer.first().waitFor({ state: "visible" });
  const body = JSON.parse(await answer.first().innerText());
  if (body.status !== "ok") throw new Failure(`Try it out on /healthz shows ${JSON.stringify(body)}`);
  await page.screenshot({ path: screenshotPath });
  return `/docs renders Swagger UI with all ${expected.length} paths and runs GET /healthz; `
    + `screenshot ${screenshotPath}`;
});
