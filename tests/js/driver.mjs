// The line protocol the e2e tests use to drive a JavaScript client step by step (tests/e2e/node.py):
// the first stdin line is the client's configuration, then each line is one command
// {"op": name, ...}; each command is answered by one stdout line: {"ok": true, "result": ...} or
// {"ok": false, "name", "code", "message"} when the client threw or reported an error.
// A driver (amplify.mjs, cijs.mjs) calls serve(setup) where setup(config) returns {op: async fn(command)}.
import readline from 'node:readline';

export function failure(error) {
  return {
    ok: false,
    name: error?.name ?? 'Error',
    code: error?.code ?? error?.name ?? 'Error',
    message: error?.message ?? String(error),
  };
}

export async function serve(setup) {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let ops = null;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    let answer;
    if (ops === null) {
      ops = await setup(command);
      answer = { ok: true, result: null };
    } else if (!Object.hasOwn(ops, command.op)) {
      answer = { ok: false, name: 'UnknownOperation', code: 'UnknownOperation', message: command.op };
    } else {
      try {
        answer = { ok: true, result: (await ops[command.op](command)) ?? null };
      } catch (error) {
        answer = failure(error);
      }
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}
