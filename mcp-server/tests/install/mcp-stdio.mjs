// A minimal MCP client over stdio for the install tests: starts a server command, performs the
// `initialize` handshake and sends requests one at a time. Hand-written (newline-delimited
// JSON-RPC is a few lines) so that the checks in scripts/test-install.sh need no SDK and can
// start the server exactly as a host would: a command, its arguments and an environment.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const PROTOCOL = '2025-11-25';

/** Starts `command args` and returns a session; rejects if it does not answer `initialize`. */
export async function connect(command, args = [], { env = process.env, cwd, timeoutMs = 20000 } = {}) {
  const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const pending = new Map();
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const message = JSON.parse(line);
    const waiter = pending.get(message.id);
    if (waiter) {
      pending.delete(message.id);
      waiter.resolve(message);
    }
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (err) => {
    for (const waiter of pending.values()) waiter.reject(err);
  });
  exited.then(({ code, signal }) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`server exited (code ${code}, signal ${signal}) before answering; stderr:\n${stderr}`));
    }
  });

  let nextId = 1;
  const request = (method, params = {}) => {
    const id = nextId++;
    const reply = new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const timer = setTimeout(() => reject(new Error(`no reply to ${method} in ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      timer.unref();
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return reply.then((message) => {
      if (message.error) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
      return message.result;
    });
  };

  const initialize = await request('initialize', {
    protocolVersion: PROTOCOL,
    capabilities: {},
    clientInfo: { name: 'piapi-billing-install-test', version: '1.0.0' },
  });
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);

  return {
    initialize,
    request,
    child,
    stderr: () => stderr,
    /** Closes stdin (how a host ends a stdio session) and resolves with the exit status. */
    close: () => {
      child.stdin.end();
      return exited;
    },
  };
}

/** Every page of a paginated list method (`tools/list`, `prompts/list`). */
export async function listAll(session, method, key) {
  const items = [];
  let cursor;
  do {
    const page = await session.request(method, cursor ? { cursor } : {});
    items.push(...page[key]);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
