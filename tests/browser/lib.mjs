// What the browser checks share: headless Debian Chromium (playwright-core) with every
// request outside 127.0.0.1 blocked and recorded as a failure, and the page's errors,
// console errors, CSP violations and failed same-origin requests recorded too.
//
// Two walls keep the network closed: Chromium resolves no host name but 127.0.0.1
// (--host-resolver-rules), and every request the page makes goes through a route that
// aborts anything not addressed to the app's own origin (or a data:/blob: URL).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const STEP_MS = 20_000; // each browser step
const DEADLINE_MS = 50_000; // the whole run, inside the pytest side's 60 s

export class Failure extends Error {}

// Runs `check(page, origin, screenshotPath, problems)` on a fresh browser. `problems`
// collects what went wrong on the side (blocked requests, page errors, ...); any problem
// fails the run after `check` returns. The screenshot is taken on failure too.
// `knownConsoleErrors`: regular expressions for console errors that a vendored library
// logs by design (each named and explained by its caller); any other fails.
export async function run(name, check, { knownConsoleErrors = [] } = {}) {
  const [baseUrl, screenshotPath] = process.argv.slice(2);
  if (!baseUrl || !screenshotPath) {
    console.error(`usage: node ${name}.mjs BASE_URL SCREENSHOT_PATH`);
    process.exit(2);
  }
  const origin = new URL(baseUrl).origin;
  if (new URL(origin).hostname !== "127.0.0.1") {
    console.error(`${name}: the server must listen on 127.0.0.1, not ${origin}`);
    process.exit(2);
  }
  const problems = [];
  const userDataDir = mkdtempSync(path.join(tmpdir(), "sitrep-chromium-"));
  let context;
  const cleanUp = async () => {
    await Promise.resolve(context?.close()).catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    console.error(`${name} FAILED: not finished within ${DEADLINE_MS / 1000} s`);
    setTimeout(() => process.exit(1), 5_000).unref();
    cleanUp().finally(() => process.exit(1));
  }, DEADLINE_MS);
  let page;
  try {
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        timeout: STEP_MS,
        viewport: { width: 1400, height: 1000 },
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
      });
    } catch (error) {
      throw new Failure(`could not launch ${CHROMIUM}: ${error.message}`);
    }
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
      });
    });
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin || url.protocol === "data:" || url.protocol === "blob:") {
        return route.continue();
      }
      problems.push(`request outside 127.0.0.1 attempted and blocked: ${url.href}`);
      return route.abort("blockedbyclient");
    });
    // Every page of the context is watched, the first and any the check opens.
    const watch = (p) => {
      p.setDefaultTimeout(STEP_MS);
      p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      p.on("console", (msg) => {
        if (msg.type() === "error" && !knownConsoleErrors.some((re) => re.test(msg.text()))) {
          problems.push(`console error: ${msg.text()}`);
        }
      });
      p.on("websocket", (ws) => {
        if (new URL(ws.url()).hostname !== "127.0.0.1") problems.push(`websocket to ${ws.url()}`);
      });
      p.on("response", (response) => {
        if (response.status() >= 400) {
          problems.push(`${response.request().method()} ${response.url()} answered ${response.status()}`);
        }
      });
    };
    const first = context.pages()[0]; // the persistent context opens one at launch
    if (first) watch(first);
    context.on("page", watch);
    page = first ?? (await context.newPage());
    const summary = await check(page, origin, screenshotPath, problems);
    if (problems.length) throw new Failure(problems.join("\n"));
    console.log(`ok: ${summary}`);
  } catch (error) {
    if (page) await page.screenshot({ path: screenshotPath }).catch(() => {});
    const message = error instanceof Failure ? error.message : error.stack;
    const extra = problems.filter((p) => !message.includes(p));
    console.error(
      `${name} FAILED: ${message}${extra.length ? `\n${extra.join("\n")}` : ""}`
        + `\n(screenshot of the page at failure: ${screenshotPath})`,
    );
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
  }
}

// Opens `url` and requires a 200.
export async function open(page, url) {
  let response;
  try {
    response = await page.goto(url, { waitUntil: "load" });
  } catch (error) {
    throw new Failure(`could not open ${url}: ${error.message.split("\n")[0]}`);
  }
  if (!response || response.status() !== 200) {
    throw new Failure(`GET ${url} answered ${response ? response.status() : "nothing"}`);
  }
  return response;
}

// Pixel statistics of a PNG (decoded by the browser itself, on a blank page of its own):
// how many pixels, and how many of each of the given "#rrggbb" colours (exactly).
export async function pixelStats(context, png, colours) {
  const blank = await context.newPage();
  try {
    return await blank.evaluate(
      async ({ b64, colours }) => {
        const image = new Image();
        image.src = `data:image/png;base64,${b64}`;
        await image.decode();
        const canvas = new OffscreenCanvas(image.width, image.height);
        const ctx = canvas.getContext("2d");
        ctx.drawImage(image, 0, 0);
        const { data } = ctx.getImageData(0, 0, image.width, image.height);
        const wanted = Object.fromEntries(colours.map((c) => [c, 0]));
        const distinct = new Set();
        for (let i = 0; i < data.length; i += 4) {
          const hex = `#${[data[i], data[i + 1], data[i + 2]]
            .map((v) => v.toString(16).padStart(2, "0"))
            .join("")}`;
          if (distinct.size < 10_000) distinct.add(hex);
          if (hex in wanted) wanted[hex] += 1;
        }
        return { pixels: data.length / 4, distinct: distinct.size, counts: wanted };
      },
      { b64: png.toString("base64"), colours },
    );
  } finally {
    await blank.close();
  }
}
