// The MCP Bundle's manifest lists the server's tools and prompts for the host to show before it
// ever starts the server; this check makes sure the lists are what the server really offers.
//
//   node check-manifest.mjs BINARY            exit 1 and print the differences if they drift
//   node check-manifest.mjs BINARY --update   rewrite the manifest's tools and prompts instead
//
// The server runs with its default configuration (ledger on, in a throwaway data directory),
// which is what a bundle user gets. Tools are compared by name and description; prompts by
// name, description, argument names and text, where the text is the server's own prompt with
// each required argument left as the manifest placeholder `${arguments.NAME}`.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

import { connect, listAll } from './mcp-stdio.mjs';

const MANIFEST = join(dirname(fileURLToPath(import.meta.url)), '../../mcpb/manifest.json');

async function promptEntry(session, prompt) {
  const args = prompt.arguments ?? [];
  const placeholders = Object.fromEntries(
    args.filter((a) => a.required).map((a) => [a.name, `\${arguments.${a.name}}`]),
  );
  const got = await session.request('prompts/get', { name: prompt.name, arguments: placeholders });
  const text = got.messages.map((m) => m.content.text).join('\n\n');
  return { name: prompt.name, description: prompt.description, arguments: args.map((a) => a.name), text };
}

async function serverLists(binary) {
  const data = mkdtempSync(join(tmpdir(), 'piapi-manifest-'));
  const env = { ...process.env, XDG_DATA_HOME: data };
  for (const key of Object.keys(env)) if (key.startsWith('PIAPI_')) delete env[key];
  const session = await connect(binary, [], { env });
  try {
    const tools = (await listAll(session, 'tools/list', 'tools')).map((t) => ({ name: t.name, description: t.description }));
    const prompts = [];
    for (const p of await listAll(session, 'prompts/list', 'prompts')) prompts.push(await promptEntry(session, p));
    return { tools, prompts };
  } finally {
    await session.close();
    rmSync(data, { recursive: true, force: true });
  }
}

/** Differences between the manifest's entries and the server's, keyed by name. */
function differences(kind, inManifest, fromServer) {
  const byName = (list) => new Map(list.map((e) => [e.name, e]));
  const want = byName(fromServer);
  const have = byName(inManifest);
  const out = [];
  for (const [name, entry] of want) {
    if (!have.has(name)) out.push(`${kind} ${name} is offered by the server but missing from the manifest: ${JSON.stringify(entry)}`);
    else if (!isDeepStrictEqual(have.get(name), entry)) {
      out.push(`${kind} ${name} differs:\n  manifest: ${JSON.stringify(have.get(name))}\n  server:   ${JSON.stringify(entry)}`);
    }
  }
  for (const name of have.keys()) if (!want.has(name)) out.push(`${kind} ${name} is in the manifest but the server does not offer it`);
  return out;
}

const [binary, flag] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node check-manifest.mjs BINARY [--update]');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
const server = await serverLists(binary);
if (flag === '--update') {
  manifest.tools = server.tools;
  manifest.prompts = server.prompts;
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`check-manifest: wrote ${server.tools.length} tools and ${server.prompts.length} prompts to ${MANIFEST}`);
  process.exit(0);
}
const problems = [
  ...differences('tool', manifest.tools ?? [], server.tools),
  ...differences('prompt', manifest.prompts ?? [], server.prompts),
];
if (problems.length > 0) {
  console.error(`check-manifest: ${MANIFEST} does not list what the server offers:\n${problems.join('\n')}`);
  console.error(`Run: node ${fileURLToPath(import.meta.url)} ${binary} --update`);
  process.exit(1);
}
console.log(`check-manifest: the manifest lists the server's ${server.tools.length} tools and ${server.prompts.length} prompts`);
