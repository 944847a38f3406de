// Drives the GraphiQL page of a running Sitrep server in headless Chromium:
// puts the README's headline query (its first graphql block) in the editor
// through the `?q=` URL parameter that Strawberry's GraphiQL page reads, clicks
// the execute button and checks that the result pane shows both expected bases.
//
//   node graphiql.mjs BASE_URL SCREENSHOT_PATH
//
// The page loads React, GraphiQL and its plugins from unpkg.com. This machine has
// no internet, so those requests are answered from the same package versions
// installed here by npm (package.json pins them; the page's SRI hashes still
// apply, so a mismatching file fails to load). Any other off-host request is
// aborted and reported. Exits 0 on success, 1 with a message on stderr otherwise.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.join(HERE, "node_modules");
const CHROMIUM = "/usr/bin/chromium";
const TIMEOUT_MS = 20_000; // for each browser step
const DEADLINE_MS = 50_000; // for the whole run, inside the pytest side's 60 s

// The README's headline query: its first ```graphql block.
const README = path.resolve(HERE, "..", "..", "README.md");

function headlineQuery() {
  const match = /```graphql\n([\s\S]*?)```/.exec(readFileSync(README, "utf8"));
  if (!match) throw new Failure(`no \`\`\`graphql block in ${README}`);
  return match[1];
}

const EXPECTED = ["Ain al-Asad Air Base", "Erbil International Airport"];

const CONTENT_TYPES = {
  ".js": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

class Failure extends Error {}

// "/@graphiql/plugin-explorer@1.0.2/dist/style.css" -> file in node_modules,
// provided the installed package has exactly the requested version.
function localFile(pathname) {
  const match = /^\/((?:@[^/]+\/)?[^/@]+)@([^/]+)\/(.+)$/.exec(pathname);
  if (!match) throw new Failure(`cannot map unpkg path ${pathname}`);
  const [, pkg, version, file] = match;
  const pkgDir = path.join(NODE_MODULES, pkg);
  let installed;
  try {
    installed = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
  } catch {
    throw new Failure(`page wants ${pkg}@${version}, which is not installed in ${NODE_MODULES}`);
  }
  if (installed !== version) {
    throw new Failure(
      `page wants ${pkg}@${version} but ${installed} is installed; pin ${version} in package.json`,
    );
  }
  const full = path.resolve(pkgDir, file);
  if (!full.startsWith(pkgDir + path.sep)) throw new Failure(`bad unpkg path ${pathname}`);
  return full;
}

async function main() {
  const [baseUrl, screenshotPath] = process.argv.slice(2);
  if (!baseUrl || !screenshotPath) {
    throw new Failure("usage: node graphiql.mjs BASE_URL SCREENSHOT_PATH");
  }
  const appOrigin = new URL(baseUrl).origin;
  const query = headlineQuery();
  const problems = []; // unexpected requests, unpkg misses, page errors
  const consoleErrors = [];

  const userDataDir = mkdtempSync(path.join(tmpdir(), "sitrep-chromium-"));
  let context;
  // Give up as a whole before the caller kills us, closing Chromium on the way out.
  const watchdog = setTimeout(() => {
    console.error(`GraphiQL browser test FAILED: no result within ${DEADLINE_MS / 1000} s`);
    setTimeout(() => process.exit(1), 5_000).unref();
    Promise.resolve(context?.close())
      .catch(() => {})
      .finally(() => {
        rmSync(userDataDir, { recursive: true, force: true });
        process.exit(1);
      });
  }, DEADLINE_MS);
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: TIMEOUT_MS,
      viewport: { width: 1600, height: 1300 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    clearTimeout(watchdog);
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Failure(`could not launch ${CHROMIUM}: ${error.message}`);
  }

  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(TIMEOUT_MS);
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });

    await page.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === appOrigin || url.protocol === "data:") return route.continue();
      if (url.hostname === "unpkg.com") {
        try {
          const file = localFile(url.pathname);
          return route.fulfill({
            status: 200,
            body: readFileSync(file),
            headers: {
              "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
              "access-control-allow-origin": "*",
            },
          });
        } catch (error) {
          problems.push(`unpkg ${url.href}: ${error.message}`);
          return route.abort();
        }
      }
      problems.push(`unexpected request to ${url.href} (aborted)`);
      return route.abort();
    });

    const pageUrl = `${appOrigin}/graphql?q=${encodeURIComponent(query)}`;
    let response;
    try {
      response = await page.goto(pageUrl, { waitUntil: "load" });
    } catch (error) {
      throw new Failure(`could not open ${appOrigin}/graphql: ${error.message.split("\n")[0]}`);
    }
    if (!response || response.status() !== 200) {
      throw new Failure(`GET ${pageUrl} answered ${response ? response.status() : "nothing"}`);
    }

    const execute = page.locator("button.graphiql-execute-button");
    try {
      await execute.waitFor({ state: "visible" });
    } catch {
      throw new Failure("GraphiQL did not render its execute button");
    }
    // The query editor must hold the headline query before we run it.
    const editorText = await page
      .locator(".graphiql-query-editor .CodeMirror")
      .evaluate((el) => el.CodeMirror.getValue());
    if (editorText.trim() !== query.trim()) {
      throw new Failure(`query editor does not hold the headline query:\n${editorText}`);
    }

    const graphqlPost = page.waitForResponse(
      (r) => r.url().startsWith(`${appOrigin}/graphql`) && r.request().method() === "POST"
        && (r.request().postData() ?? "").includes("incidents"),
    );
    await execute.click();
    const posted = await graphqlPost;
    if (posted.status() !== 200) {
      throw new Failure(`the query POST answered ${posted.status()}: ${await posted.text()}`);
    }

    // Visible text of the result pane (CodeMirror renders what is on screen).
    const resultPane = page.locator(".graphiql-response .result-window");
    try {
      await resultPane.getByText(EXPECTED[0], { exact: false }).first().waitFor();
    } catch {
      const shown = await resultPane.innerText().catch(() => "(no result pane)");
      throw new Failure(`result pane never showed "${EXPECTED[0]}"; it shows:\n${shown}`);
    }
    // The whole content of the result editor, including lines scrolled out of view.
    const resultText = await resultPane
      .locator(".CodeMirror")
      .evaluate((el) => el.CodeMirror.getValue());
    let result;
    try {
      result = JSON.parse(resultText);
    } catch {
      throw new Failure(`result pane does not hold JSON:\n${resultText}`);
    }
    if (result.errors) {
      throw new Failure(`the query returned errors:\n${JSON.stringify(result.errors, null, 2)}`);
    }
    const names = result.data.incidents.edges.map((e) => e.node.location.name);
    if (JSON.stringify(names) !== JSON.stringify(EXPECTED)) {
      throw new Failure(`expected locations ${JSON.stringify(EXPECTED)}, got ${JSON.stringify(names)}`);
    }
    // Scroll the result so that the first base's line is near the top, then check
    // that both names are on screen inside the result pane (not merely in the DOM).
    await resultPane.locator(".CodeMirror").evaluate((el, needle) => {
      const cm = el.CodeMirror;
      const line = cm.getValue().split("\n").findIndex((l) => l.includes(needle));
      cm.scrollTo(null, cm.heightAtLine(Math.max(line - 1, 0), "local"));
    }, EXPECTED[0]);
    const onScreen = async () =>
      resultPane.evaluate((pane, names) => {
        const box = pane.querySelector(".CodeMirror-scroll").getBoundingClientRect();
        const spans = [...pane.querySelectorAll(".CodeMirror-line span")];
        return names.filter((name) =>
          spans.some((span) => {
            const r = span.getBoundingClientRect();
            return span.textContent.includes(name) && r.height > 0
              && r.top >= box.top && r.bottom <= box.bottom
              && r.left >= box.left && r.right <= box.right;
          }),
        );
      }, EXPECTED);
    let shown = [];
    for (let i = 0; i < 20 && shown.length < EXPECTED.length; i += 1) {
      shown = await onScreen();
      if (shown.length < EXPECTED.length) await page.waitForTimeout(100);
    }
    if (shown.length < EXPECTED.length) {
      const missing = EXPECTED.filter((name) => !shown.includes(name));
      throw new Failure(`result pane does not show ${JSON.stringify(missing)} on screen`);
    }

    if (problems.length) throw new Failure(problems.join("\n"));
    await page.screenshot({ path: screenshotPath });
    console.log(
      `ok: GraphiQL at ${appOrigin}/graphql ran the headline query and shows ${EXPECTED.join(" and ")}`
        + `; screenshot ${screenshotPath}`,
    );
  } catch (error) {
    const pages = context.pages();
    if (pages.length) await pages[0].screenshot({ path: screenshotPath }).catch(() => {});
    const extra = [...problems, ...consoleErrors.map((e) => `console error: ${e}`)];
    if (extra.length && !(error instanceof Failure && error.message === problems.join("\n"))) {
      error.message += `\n${extra.join("\n")}`;
    }
    error.message += `\n(screenshot of the page at failure: ${screenshotPath})`;
    throw error;
  } finally {
    clearTimeout(watchdog);
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  console.error(`GraphiQL browser test FAILED: ${error instanceof Failure ? error.message : error.stack}`);
  process.exit(1);
}
