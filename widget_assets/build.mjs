// Builds the browser bundles into flask_livechat/static/livechat/.
//
//   node build.mjs          write loader.js, widget.js and console.js
//   node build.mjs --check  exit 1 if the committed files differ from a fresh build
//
// The output must be reproducible byte for byte from package-lock.json: no timestamps, no source
// maps, no absolute paths, no banner.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../flask_livechat/static/livechat");
const check = process.argv.includes("--check");

// The widget's CSS lives in src/widget.css; bundle it minified, as a string for the shadow root.
const cssAsText = {
  name: "css-as-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const { code, warnings } = await esbuild.transform(source, { loader: "css", minify: true });
      // A CSS mistake (an unclosed rule) swallows the rules after it without failing anything: refuse it.
      if (warnings.length) {
        const where = warnings.map((w) => `${args.path}:${w.location?.line}: ${w.text}`).join("\n");
        return { errors: [{ text: `CSS warnings:\n${where}` }] };
      }
      return { contents: code.trim(), loader: "text" };
    });
  },
};

// engine.io-client bundles a WebTransport transport that it only uses when the server offers it as an
// upgrade; python-engineio offers only websocket, so that code can never run: left out (about 1 KB).
const noWebTransport = {
  name: "no-webtransport",
  setup(build) {
    build.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]webtransport\.js$/ }, () => ({
      contents: "export class WT { constructor() { throw new Error('WebTransport is not offered'); } }",
      loader: "js",
    }));
  },
};

// engine.io-client falls back to Function("return this")() when neither `self` nor `window` exist.
// That never runs in a browser, but we promise bundles without eval/Function, so swap in globalThis.
const noFunctionConstructor = {
  name: "no-function-constructor",
  setup(build) {
    build.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]globals\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      return { contents: source.replace('Function("return this")()', "globalThis"), loader: "js" };
    });
  },
};

const result = await esbuild.build({
  absWorkingDir: here,
  // loader.js is what every host page gets (small: no socket.io-client); widget.js is the chat it
  // loads on first open; console.js is the agent console.
  // reports.js (with Chart.js) is loaded by the admin's reports page only.
  entryPoints: {
    loader: "src/loader.js",
    widget: "src/widget.js",
    console: "src/console.js",
    reports: "src/reports.js",
    // emoji.js: the picker and its list, loaded by the chat when the visitor first opens the picker.
    emoji: "src/emoji.js",
  },
  outdir,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2019",
  minify: true,
  legalComments: "none",
  sourcemap: false,
  write: false,
  logLevel: "warning",
  plugins: [cssAsText, noFunctionConstructor, noWebTransport],
});

let failed = false;
for (const file of result.outputFiles) {
  const name = path.relative(outdir, file.path);
  // The CSP contract: nothing that evaluates strings as code.
  if (/\beval\s*\(|\bFunction\s*\(/.test(file.text)) {
    console.error(`${name}: contains eval or the Function constructor`);
    failed = true;
    continue;
  }
  if (check) {
    const committed = await readFile(file.path).catch(() => null);
    if (!committed || !committed.equals(Buffer.from(file.contents))) {
      console.error(`${name}: differs from a fresh build; run npm run build`);
      failed = true;
    } else {
      console.log(`${name}: up to date`);
    }
  } else {
    await mkdir(outdir, { recursive: true });
    await writeFile(file.path, file.contents);
    console.log(`${name}: ${file.contents.length} bytes`);
  }
}
process.exitCode = failed ? 1 : 0;
