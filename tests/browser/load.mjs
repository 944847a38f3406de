// Opens BASE_URL + PAGE_PATH and waits for the page to load, with lib.mjs's closed network:
// fails when the page asks for anything outside 127.0.0.1 (or logs an error). The tests
// use it to show that the wall holds (a page with CDN scripts fails).
//
//   node load.mjs BASE_URL SCREENSHOT_PATH PAGE_PATH

import { open, run } from "./lib.mjs";

await run("load", async (page, origin, screenshotPath) => {
  const url = `${origin}${process.argv[4] ?? "/"}`;
  await open(page, url);
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: screenshotPath });
  return `${url} loaded with no request outside 127.0.0.1`;
});
