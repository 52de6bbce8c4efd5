#!/usr/bin/env node
// Run a script on the real MicroPython interpreter (the WebAssembly port,
// npm package @micropython/micropython-webassembly-pyscript, pinned in
// package.json), so host tests prove firmware code runs on MicroPython and
// not only on CPython.
//
// Usage:
//   node tools/micropython.mjs [--path DIR]... [--file HOST=MPY]...
//                              [--heap BYTES] SCRIPT.py [ARGS...]
//
//   --path DIR     copy every .py and .mpy file under DIR (recursively, keeping
//                  sub-folders) into /lib, which is on sys.path; with
//                  `--path firmware` the package firmware/thermo/ imports as
//                  `thermo`. Two --path dirs providing the same file is an error.
//   --file H=M     copy host file H to interpreter path M (absolute, or
//                  relative to /, the working directory).
//   --heap BYTES   initial GC heap (default 262144 = 256 KiB, suffix k/m allowed).
//   SCRIPT.py      copied to /app/<name>; runs as __main__ with
//                  sys.path = ['/app', '.frozen', '/lib'].
//   ARGS           everything after SCRIPT.py, as sys.argv[1:] (sys.argv is set
//                  for real: sys.argv == ['/app/<name>', *ARGS]).
//
// Behaviour:
//   - stdout and stderr are forwarded byte-exact; both are buffered here and
//     flushed synchronously, stdout before any stderr byte, so their relative
//     order is kept and nothing is lost at exit.
//   - stdin is readable (sys.stdin.read()/readline()); it is read from the
//     host lazily, on the script's first read, to EOF.
//   - exit status: 0 on success; n for SystemExit(n) (None -> 0, any other
//     object is printed to stderr and gives 1, as CPython does); 1 with the
//     MicroPython traceback on stderr for any other exception; 2 for a usage
//     error of this runner; 70 if the interpreter itself fails.
//   - asyncio: this port's asyncio runs on the JavaScript event loop and has
//     no asyncio.run(). The runner provides one: asyncio.run(coro) schedules
//     coro as a task and returns None at once; the runner waits until every
//     such task has finished, and an exception escaping it is reported as
//     above. Statements after asyncio.run(...) therefore run before the
//     coroutine: keep asyncio.run(main()) the last statement of a script.
//   - GC: this build collects garbage only when control returns to
//     JavaScript (between top-level runs and at each await that yields to the
//     event loop); inside a synchronous stretch gc.collect() only schedules a
//     collection and the heap grows instead (up to 128 MiB). The --heap size is
//     the initial heap, not a limit: a MemoryError here does not model a board.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const PACKAGE = '@micropython/micropython-webassembly-pyscript';
const EXIT_USAGE = 2;
const EXIT_INTERNAL = 70;

// ---------------------------------------------------------------- output ---

// One buffer per stream; switching stream flushes the other, so a reader that
// merges stdout and stderr sees them in the order MicroPython wrote them.
const CHUNK = 1 << 16;
const streams = {
  1: { buf: Buffer.allocUnsafe(CHUNK), len: 0 },
  2: { buf: Buffer.allocUnsafe(CHUNK), len: 0 },
};
let lastFd = 1;

function writeAll(fd, buf, len) {
  let off = 0;
  while (off < len) {
    try {
      off += fs.writeSync(fd, buf, off, len - off);
    } catch (e) {
      if (e.code === 'EAGAIN') continue; // non-blocking pipe is full: retry
      if (e.code === 'EPIPE') return; // reader went away: drop silently
      throw e;
    }
  }
}

function flush(fd) {
  const s = streams[fd];
  if (s.len) {
    writeAll(fd, s.buf, s.len);
    s.len = 0;
  }
}

function flushAll() {
  flush(lastFd === 1 ? 2 : 1);
  flush(lastFd);
}

function putBytes(fd, bytes) {
  if (fd !== lastFd) {
    flush(lastFd);
    lastFd = fd;
  }
  const s = streams[fd];
  for (let i = 0; i < bytes.length; i++) {
    s.buf[s.len++] = bytes[i];
    if (s.len === CHUNK) flush(fd);
  }
  // stderr is for humans watching a run that may hang: no need to wait.
  if (fd === 2 && bytes[bytes.length - 1] === 10) flush(2);
}

function exit(code) {
  flushAll();
  process.exit(code);
}

function fail(code, message) {
  putBytes(2, Buffer.from(message.endsWith('\n') ? message : message + '\n'));
  exit(code);
}

// ----------------------------------------------------------------- stdin ---

let stdinData = null;
let stdinPos = 0;

function readStdinByte() {
  if (stdinData === null) {
    try {
      stdinData = fs.readFileSync(0);
    } catch {
      stdinData = Buffer.alloc(0); // closed or unreadable stdin reads as empty
    }
  }
  return stdinPos < stdinData.length ? stdinData[stdinPos++] : null;
}

// ------------------------------------------------------------- arguments ---

const USAGE =
  'usage: node tools/micropython.mjs [--path DIR]... [--file HOST=MPY]... ' +
  '[--heap BYTES] SCRIPT.py [ARGS...]';

function parseSize(text) {
  const m = /^(\d+)([kKmM]?)$/.exec(text);
  if (!m) return NaN;
  const unit = { '': 1, k: 1024, m: 1024 * 1024 }[m[2].toLowerCase()];
  return Number(m[1]) * unit;
}

function parseArgs(argv) {
  const opts = { paths: [], files: [], heap: 256 * 1024, script: null, args: [] };
  let i = 0;
  const value = (flag) => {
    if (i + 1 >= argv.length) fail(EXIT_USAGE, `${flag} needs a value\n${USAGE}`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--path') opts.paths.push(value(a));
    else if (a === '--file') {
      const spec = value(a);
      const eq = spec.indexOf('=');
      if (eq <= 0 || eq === spec.length - 1) {
        fail(EXIT_USAGE, `--file wants HOSTPATH=MPYPATH, got ${JSON.stringify(spec)}`);
      }
      opts.files.push([spec.slice(0, eq), spec.slice(eq + 1)]);
    } else if (a === '--heap') {
      const v = value(a);
      opts.heap = parseSize(v);
      if (!(opts.heap >= 16 * 1024)) {
        fail(EXIT_USAGE, `--heap wants bytes >= 16k (suffix k or m allowed), got ${v}`);
      }
    } else if (a === '-h' || a === '--help') {
      putBytes(1, Buffer.from(USAGE + '\n'));
      exit(0);
    } else if (a === '--') {
      i++;
      break;
    } else if (a.startsWith('--')) fail(EXIT_USAGE, `unknown option ${a}\n${USAGE}`);
    else break;
  }
  if (i >= argv.length) fail(EXIT_USAGE, USAGE);
  opts.script = argv[i];
  opts.args = argv.slice(i + 1);
  return opts;
}

// -------------------------------------------------------------------- FS ---

function mkdirs(FS, dir) {
  let cur = '';
  for (const part of dir.split('/').filter(Boolean)) {
    cur += '/' + part;
    if (!FS.analyzePath(cur).exists) FS.mkdir(cur);
  }
}

function putFile(FS, hostPath, mpPath) {
  mkdirs(FS, path.posix.dirname(mpPath));
  FS.writeFile(mpPath, fs.readFileSync(hostPath));
}

function collectModules(dir) {
  const found = [];
  const walk = (rel) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '__pycache__' && !e.name.startsWith('.')) walk(r);
      } else if (e.name.endsWith('.py') || e.name.endsWith('.mpy')) found.push(r);
    }
  };
  walk('');
  return found;
}

// ------------------------------------------------------------------- run ---

// Runs inside MicroPython. `_mprun_main` removes itself from __main__ so the
// script starts from clean globals, then execs the script there.
const DRIVER = `
def _mprun_main():
    import sys
    import _mprun_host
    g = globals()
    del g["_mprun_main"]
    script = _mprun_host.script
    sys.argv[:] = [script] + list(_mprun_host.args)
    sys.path[:] = ["/app", ".frozen", "/lib"]

    def exit_code(exc):
        code = exc.args[0] if exc.args else None
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1

    def report(exc):
        if isinstance(exc, SystemExit):
            return exit_code(exc)
        import io
        text = io.StringIO()
        sys.print_exception(exc, text)
        for line in text.getvalue().splitlines(True):
            if not line.startswith('  File "<stdin>"'):  # driver frames
                sys.stderr.write(line)
        return 1

    import asyncio

    async def _supervise(coro, token):
        try:
            await coro
            code = 0
        except BaseException as exc:
            code = report(exc)
        _mprun_host.task_done(token, code)

    def run(coro, debug=False):
        asyncio.create_task(_supervise(coro, _mprun_host.task_started()))

    asyncio.run = run
    g["__file__"] = script
    try:
        with open(script) as f:
            source = f.read()
        code = compile(source, script, "exec")
        del source
        exec(code, g)
    except BaseException as exc:
        return report(exc)
    return 0

_mprun_status = _mprun_main()
`;

async function main() {
  const opts = parseArgs(process.argv.slice(2));

  const pkgFile = path.join(REPO, 'node_modules', PACKAGE, 'micropython.mjs');
  if (!fs.existsSync(pkgFile)) {
    fail(EXIT_INTERNAL, `${pkgFile} is missing: run \`npm ci\` (or \`make test\`) in ${REPO}`);
  }
  if (!fs.existsSync(opts.script)) fail(EXIT_USAGE, `no such script: ${opts.script}`);

  const { loadMicroPython } = await import(pathToFileURL(pkgFile).href);
  const mp = await loadMicroPython({
    heapsize: opts.heap,
    linebuffer: false,
    stdout: (bytes) => putBytes(1, bytes),
    stderr: (bytes) => putBytes(2, bytes),
    stdin: readStdinByte,
  });
  const FS = mp.FS;

  const owner = new Map();
  for (const dir of opts.paths) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      fail(EXIT_USAGE, `--path ${dir}: not a directory`);
    }
    for (const rel of collectModules(dir)) {
      const dest = `/lib/${rel}`;
      if (owner.has(dest)) {
        fail(EXIT_USAGE, `${dest} comes from both --path ${owner.get(dest)} and --path ${dir}`);
      }
      owner.set(dest, dir);
      putFile(FS, path.join(dir, rel), dest);
    }
  }
  for (const [host, target] of opts.files) {
    if (!fs.existsSync(host)) fail(EXIT_USAGE, `--file ${host}: no such file`);
    putFile(FS, host, path.posix.resolve('/', target));
  }
  const script = `/app/${path.basename(opts.script)}`;
  putFile(FS, opts.script, script);

  let started = 0;
  let finished = 0;
  let asyncStatus = 0;
  let wake = null;
  mp.registerJsModule('_mprun_host', {
    script,
    args: opts.args,
    task_started: () => ++started,
    task_done: (token, code) => {
      finished++;
      if (code !== 0 && asyncStatus === 0) asyncStatus = code;
      if (wake) wake();
    },
  });

  try {
    mp.runPython(DRIVER);
  } catch (e) {
    // The driver catches everything the script raises; this is a runner bug.
    fail(EXIT_INTERNAL, `micropython.mjs: driver failed: ${e.stack || e}`);
  }
  const status = mp.globals.get('_mprun_status');
  if (status !== 0) exit(status);
  // Node leaves the loop when nothing is scheduled: a task still pending
  // then waits on something that can never happen.
  process.on('beforeExit', () => {
    if (finished < started) {
      fail(1, `micropython.mjs: ${started - finished} asyncio.run() task(s) never finished (deadlock)`);
    }
  });
  // Wait for coroutines handed to asyncio.run(); the first failure wins.
  while (finished < started && asyncStatus === 0) {
    await new Promise((resolve) => {
      wake = resolve;
    });
    wake = null;
  }
  exit(asyncStatus);
}

main().catch((e) => fail(EXIT_INTERNAL, `micropython.mjs: ${e.stack || e}`));
