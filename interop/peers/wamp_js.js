// WAMP peer on AutobahnJS (npm "autobahn", Node with --experimental-websocket
// on Node 20) for the router interop tests in interop/wamp. One argument, a
// JSON object:
//
//   url | rawsocket {host, port}, realm, serializer (json, msgpack, cbor)
//   mode  "core"   RPC and pub/sub with itself and the Go session of the
//                  test (go.echo, go.topic)
//         "auth"   join once for each of auths [{name, method, authid,
//                  secret}] and print the WELCOME details (or the ABORT
//                  reason) as "auth:<name>"
//         "callee" register proc, which publishes what it got to topic
//                  (acknowledged) and returns it; print "ready" once
//                  registered, and run until stdin closes
//   bytes  false: no bytes in the payloads (AutobahnJS's JSON has none)
//
// Every check prints one JSON line {"case", "ok", "got", "want"}, bytes as
// {"hex": ...}; the last line is {"case": "end"}.
"use strict";
const autobahn = require("autobahn");
const cfg = JSON.parse(process.argv[2]);

const failed = [];
function jsonable(v) {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { hex: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(jsonable);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = jsonable(v[k]);
    return o;
  }
  return v;
}
// canonical is JSON with sorted keys, for comparisons.
function canonical(v) {
  v = jsonable(v);
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  return JSON.stringify(v);
}
function report(c, got, want, ok) {
  const g = canonical(got);
  const w = canonical(want);
  if (ok === undefined) ok = g === w;
  if (!ok) failed.push(c);
  console.log(JSON.stringify({ case: c, ok: ok, got: jsonable(got), want: jsonable(want) }));
}
function end() {
  console.log(JSON.stringify({ case: "end", ok: failed.length === 0, got: failed }));
  process.exit(0);
}
const watchdog = setTimeout(() => { report("timeout", "peer watchdog fired", null, false); end(); }, (cfg.timeout || 20) * 1000);

const TEXT = "κόσμε 🚀 \u0000 \"quoted\"";
const BYTES = Buffer.concat([Buffer.from([0, 1, 2, 255, 0x80]), Buffer.from("é")]);
function payload() {
  const args = [1, TEXT, [9007199254740991, -9007199254740991, 0, -1], { nested: [null, true, false, 1.5] }];
  const kwargs = { "ü": TEXT, list: [1, "x"] };
  if (cfg.bytes !== false) {
    args.push(BYTES);
    kwargs.b = BYTES;
  }
  return [args, kwargs];
}

function serializer() {
  switch (cfg.serializer) {
    case "msgpack": return new autobahn.serializer.MsgpackSerializer();
    case "cbor": return new autobahn.serializer.CBORSerializer();
    default: return new autobahn.serializer.JSONSerializer();
  }
}

// connect opens one connection, with auth a (or none), and runs the mode on
// it; it resolves once the connection has closed.
function connect(a) {
  const opts = { realm: cfg.realm, max_retries: 0 };
  if (cfg.rawsocket) {
    opts.transports = [{ type: "rawsocket", host: cfg.rawsocket.host, port: cfg.rawsocket.port }];
  } else {
    opts.url = cfg.url;
    opts.serializers = [serializer()];
  }
  if (a) {
    opts.authmethods = [a.method];
    if (a.authid) opts.authid = a.authid;
    let key = null;
    if (a.method === "cryptosign") {
      key = autobahn.nacl.sign.keyPair.fromSeed(Buffer.from(a.secret, "hex"));
      opts.authextra = { pubkey: autobahn.auth_cryptosign.public_key(key) };
    }
    opts.onchallenge = (session, method, extra) => {
      switch (method) {
        case "ticket": return a.secret;
        case "wampcra": {
          let k = a.secret;
          if (extra.salt) k = autobahn.auth_cra.derive_key(a.secret, extra.salt, extra.iterations, extra.keylen);
          return autobahn.auth_cra.sign(k, extra.challenge);
        }
        case "cryptosign": return autobahn.auth_cryptosign.sign_challenge(key, extra);
      }
      throw new Error("no challenge handler for " + method);
    };
  }

  return new Promise((resolve) => {
    const connection = new autobahn.Connection(opts);
    let joined = false;
    connection.onopen = (session, details) => {
      joined = true;
      let run;
      if (cfg.mode === "auth") {
        report("auth:" + a.name, { authid: details.authid, authrole: details.authrole, authmethod: details.authmethod },
          null, true);
        run = Promise.resolve();
      } else if (cfg.mode === "callee") {
        run = callee(connection, session);
      } else {
        run = core(session);
      }
      run.catch((e) => report("exception", String(e && (e.stack || e.error || e)), null, false))
        .then(() => { if (cfg.mode !== "callee") connection.close(); });
    };
    connection.onclose = (reason, details) => {
      if (!joined) {
        const what = { abort: details && details.reason, closed: reason };
        if (cfg.mode === "auth") report("auth:" + a.name, what, null, true);
        else report("connect", what, null, false);
      }
      resolve();
      return true; // no retry
    };
    connection.open();
  });
}

async function main() {
  if (cfg.mode === "auth") {
    for (const a of cfg.auths) await connect(a);
  } else {
    await connect(null);
  }
  clearTimeout(watchdog);
  end();
}

async function callee(connection, session) {
  await session.register(cfg.proc, async (args, kwargs) => {
    await session.publish(cfg.topic, args, kwargs, { acknowledge: true });
    return new autobahn.Result(args, kwargs);
  });
  clearTimeout(watchdog);
  report("ready", true, true);
  process.stdin.on("end", () => connection.close());
  process.stdin.resume();
}

async function core(session) {
  const [args, kwargs] = payload();

  // JS → Go callee, and JS → JS through the router.
  let r = await session.call("go.echo", args, kwargs);
  report("rpc_go_echo", [r.args, r.kwargs], [args, kwargs]);
  await session.register("js.echo", (a, k) => new autobahn.Result(a, k));
  r = await session.call("js.echo", args, kwargs);
  report("rpc_echo", [r.args, r.kwargs], [args, kwargs]);

  // Progressive results.
  await session.register("js.progress", (a, k, details) => {
    if (!details.progress) return "no progress function: receive_progress not set";
    for (let i = 0; i < a[0]; i++) details.progress([i]);
    return "done";
  });
  const progress = [];
  const pcall = session.call("js.progress", [3], {}, { receive_progress: true });
  pcall.progress((p) => progress.push(p));
  r = await pcall;
  report("rpc_progressive", [progress, r], [[0, 1, 2], "done"]);

  // Errors with args and kwargs; the router's own.
  await session.register("js.fail", () => { throw new autobahn.Error("com.example.error", [1, TEXT], { k: "κ" }); });
  try {
    await session.call("js.fail");
    report("rpc_error", "no error", "com.example.error");
  } catch (e) {
    report("rpc_error", [e.error, e.args, e.kwargs], ["com.example.error", [1, TEXT], { k: "κ" }]);
  }
  try {
    await session.call("js.nowhere");
    report("rpc_no_such_procedure", "no error", "wamp.error.no_such_procedure");
  } catch (e) {
    report("rpc_no_such_procedure", e.error, "wamp.error.no_such_procedure");
  }

  // Cancel (kill) of a call to the Go callee go.slow, which returns once
  // interrupted; go.slow_started answers once it runs. (AutobahnJS's own
  // skip and killnowait reject the call locally and then take the
  // router's ERROR for a protocol violation; as a callee it has no
  // INTERRUPT.)
  const call = session.call("go.slow");
  await session.call("go.slow_started");
  call.cancel({ mode: "kill" });
  try {
    await call;
    report("rpc_cancel", "returned", "wamp.error.canceled");
  } catch (e) {
    report("rpc_cancel", e.error, "wamp.error.canceled");
  }

  // Caller disclosure, pattern registration.
  await session.register("js.who", (a, k, details) => details.caller);
  r = await session.call("js.who", [], {}, { disclose_me: true });
  report("rpc_disclose_me", r, session.id);
  await session.register("js.pre", (a, k, details) => details.procedure, { match: "prefix" });
  report("rpc_prefix", await session.call("js.pre.a.b"), "js.pre.a.b");

  // Pub/sub to itself (exclude_me false), with disclosure and patterns.
  const events = {};
  const waiters = {};
  function on(name) {
    events[name] = [];
    return new Promise((res) => { waiters[name] = res; });
  }
  function handler(name) {
    return (a, k, details) => {
      events[name].push({ args: a, kwargs: k, publisher: details.publisher, topic: details.topic });
      waiters[name]();
    };
  }
  const o = { acknowledge: true, exclude_me: false };
  let got = on("js.topic");
  await session.subscribe("js.topic", handler("js.topic"));
  const pub = await session.publish("js.topic", args, kwargs, Object.assign({ disclose_me: true }, o));
  report("pub_acknowledge", typeof pub.id === "number" && pub.id > 0, true);
  await got;
  const ev = events["js.topic"][0];
  report("pub_payload", [ev.args, ev.kwargs, ev.publisher], [args, kwargs, session.id]);

  // exclude_me default: the first event does not come back, the marker does.
  got = on("js.self");
  await session.subscribe("js.self", handler("js.self"));
  await session.publish("js.self", ["excluded"], {}, { acknowledge: true });
  await session.publish("js.self", ["marker"], {}, o);
  await got;
  report("pub_exclude_me", events["js.self"].map((e) => e.args[0]), ["marker"]);

  got = on("js.pre");
  await session.subscribe("js.pre", handler("js.pre"), { match: "prefix" });
  await session.publish("js.pre.x.y", [1], {}, o);
  await got;
  report("pub_prefix", events["js.pre"][0].topic, "js.pre.x.y");
  got = on("js..wild");
  await session.subscribe("js..wild", handler("js..wild"), { match: "wildcard" });
  await session.publish("js.z.wild", [1], {}, o);
  await got;
  report("pub_wildcard", events["js..wild"][0].topic, "js.z.wild");

  // JS → Go subscriber (the Go test checks what it received).
  await session.publish("go.topic", args, kwargs, { acknowledge: true });
}

main();
