// WAMP peer on AutobahnJS (npm "autobahn", Node with --experimental-websocket)
// for the review16 router interop tests in interop/wamp: two sessions of one
// process run Advanced Profile features as a JavaScript application uses
// them (AutobahnJS passes options through as given). One argument, a JSON
// object: url, realm, serializer (json, msgpack, cbor).
//
// Every check prints one JSON line {"case", "ok", "got", "want"}; the last
// line is {"case": "end"}.
"use strict";
const autobahn = require("autobahn");
const cfg = JSON.parse(process.argv[2]);

const failed = [];
function report(c, got, want) {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  if (!ok) failed.push(c);
  console.log(JSON.stringify({ case: c, ok: ok, got: got, want: want }));
}
function end() {
  console.log(JSON.stringify({ case: "end", ok: failed.length === 0, got: failed }));
  process.exit(0);
}
setTimeout(() => { report("timeout", "peer watchdog fired", null); end(); }, (cfg.timeout || 20) * 1000);

function serializer() {
  switch (cfg.serializer) {
    case "msgpack": return new autobahn.serializer.MsgpackSerializer();
    case "cbor": return new autobahn.serializer.CBORSerializer();
    default: return new autobahn.serializer.JSONSerializer();
  }
}

const closed = [];
function open(name) {
  return new Promise((resolve, reject) => {
    const c = new autobahn.Connection({ url: cfg.url, realm: cfg.realm, serializers: [serializer()], max_retries: 0 });
    let joined = false;
    c.onopen = (session, details) => { joined = true; resolve([session, details]); };
    c.onclose = (reason, details) => {
      if (joined) closed.push([name, reason]);
      else reject(new Error("no session: " + reason));
      return true; // no retry
    };
    c.open();
  });
}

// waiter collects values; until(n) resolves once it has n of them (or
// after a bound, with what it has).
function waiter() {
  const got = [];
  const waits = [];
  return {
    got,
    push(v) {
      got.push(v);
      for (const w of waits) if (got.length >= w.n) w.resolve();
    },
    until(n) {
      if (got.length >= n) return Promise.resolve(got);
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(got), 3000);
        waits.push({ n, resolve: () => { clearTimeout(t); resolve(got); } });
      });
    },
  };
}

async function main() {
  const [a, da] = await open("a");
  const [b, db] = await open("b");
  const ack = { acknowledge: true };

  // Shared registrations: a registered first.
  for (const [policy, want] of [["roundrobin", ["a", "b", "a", "b"]], ["first", ["a", "a"]], ["last", ["b", "b"]]]) {
    await a.register("js16.shared." + policy, () => "a", { invoke: policy });
    await b.register("js16.shared." + policy, () => "b", { invoke: policy });
    const got = [];
    for (let i = 0; i < want.length; i++) got.push(await b.call("js16.shared." + policy));
    report("shared_" + policy, got, want);
  }

  // A retained event (publisher disclosed) to a prefix subscription with
  // get_retained: Details.topic, retained and the publisher.
  await a.publish("js16.ret.x", [1], {}, { retain: true, disclose_me: true, acknowledge: true });
  const ret = waiter();
  await b.subscribe("js16.ret", (args, kw, d) => ret.push([args, d.topic, d.retained, d.publisher === a.id, d.publisher_authid]),
    { match: "prefix", get_retained: true });
  report("retained_prefix", await ret.until(1), [[[1], "js16.ret.x", true, true, da.authid]]);

  // Black- and whitelisting by authid and authrole.
  const bw = waiter();
  await a.subscribe("js16.bw", (args) => bw.push(["a", args[0]]));
  await b.subscribe("js16.bw", (args) => bw.push(["b", args[0]]));
  await a.publish("js16.bw", ["exclude_authid_b"], {}, { acknowledge: true, exclude_me: false, exclude_authid: [db.authid] });
  await a.publish("js16.bw", ["eligible_authid_b"], {}, { acknowledge: true, exclude_me: false, eligible_authid: [db.authid] });
  await a.publish("js16.bw", ["exclude_authrole"], {}, { acknowledge: true, exclude_me: false, exclude_authrole: ["anonymous"] });
  await a.publish("js16.bw", ["end"], {}, { acknowledge: true, eligible_authrole: ["anonymous"] });
  const got = await bw.until(3);
  report("blackwhite_authid_authrole", got, [["a", "exclude_authid_b"], ["b", "eligible_authid_b"], ["b", "end"]]);

  // Caller identification (disclose_me): the callee sees the caller.
  await a.register("js16.who", (args, kw, d) => [d.caller === b.id, d.caller_authid, d.caller_authrole]);
  report("caller_identification", await b.call("js16.who", [], {}, { disclose_me: true }), [true, db.authid, "anonymous"]);

  // Call timeout to an AutobahnJS callee, which announces no
  // call_canceling: the caller gets wamp.error.timeout, the callee no
  // INTERRUPT (it has none), its late YIELD is dropped; both sessions go
  // on.
  let release;
  const released = new Promise((r) => { release = r; });
  await a.register("js16.slow", () => released.then(() => "late"));
  try {
    report("timeout_js_callee", await b.call("js16.slow", [], {}, { timeout: 100 }), "wamp.error.timeout");
  } catch (e) {
    report("timeout_js_callee", e.error, "wamp.error.timeout");
  }
  release();
  // a's YIELD went out before its answer to this call.
  await a.call("wamp.session.count");

  // Progressive results, then CANCEL mode kill to that callee: skip for a
  // callee without call_canceling, so the caller gets
  // wamp.error.canceled at once, after the parts that came.
  let finish;
  const finished = new Promise((r) => { finish = r; });
  const part = waiter();
  await a.register("js16.stream", (args, kw, d) => { d.progress(["p"]); return finished.then(() => "done"); });
  const call = b.call("js16.stream", [], {}, { receive_progress: true });
  call.progress((p) => part.push(p));
  await part.until(1);
  call.cancel({ mode: "kill" });
  try {
    report("cancel_kill_js_callee", ["returned", await call], ["wamp.error.canceled", ["p"]]);
  } catch (e) {
    report("cancel_kill_js_callee", [e.error, part.got], ["wamp.error.canceled", ["p"]]);
  }
  finish();
  await a.call("wamp.session.count");
  report("sessions_alive", [await b.call("wamp.session.count") >= 2, closed], [true, []]);
  end();
}

main().catch((e) => { report("exception", String(e && (e.stack || e.error || e)), null); end(); });
