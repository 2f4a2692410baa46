// permessage-deflate with Node's ws, context takeover on or off ("nct"):
//   node node_compress.js server [nct]      prints its port, echoes until killed
//   node node_compress.js client URL [nct]  echo check against URL, exits 0 on success
"use strict";
const WebSocket = require("ws");
const [mode, a, b] = process.argv.slice(2);
const nct = (mode === "server" ? a : b) === "nct";
const perMessageDeflate = { serverNoContextTakeover: nct, clientNoContextTakeover: nct, threshold: 0 };

if (mode === "server") {
  const wss = new WebSocket.Server({ host: "127.0.0.1", port: 0, maxPayload: 8 << 20, perMessageDeflate });
  wss.on("listening", () => console.log(wss.address().port));
  wss.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
} else {
  const json = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, user: "user" + (i % 50), tags: ["a", "b"] })));
  const msgs = ["", "hello κόσμε 🚀", json, Buffer.alloc(300000, 7), json.slice(0, 500)];
  const ws = new WebSocket(a, { perMessageDeflate });
  let i = 0;
  const timer = setTimeout(() => { console.error("timeout"); process.exit(2); }, 20000);
  ws.on("open", () => {
    if (!ws.extensions.startsWith("permessage-deflate")) { console.error("not negotiated: " + ws.extensions); process.exit(1); }
    ws.send(msgs[0]);
  });
  ws.on("message", (data, isBinary) => {
    const want = msgs[i];
    const ok = typeof want === "string" ? !isBinary && data.toString("utf8") === want : isBinary && Buffer.compare(data, want) === 0;
    if (!ok) { console.error("mismatch at message " + i); process.exit(1); }
    i++;
    if (i < msgs.length) ws.send(msgs[i]);
    else ws.close(1000, "node done");
  });
  ws.on("close", (code) => {
    clearTimeout(timer);
    if (i !== msgs.length || code !== 1000) { console.error("closed early with " + code); process.exit(1); }
    console.log("ok " + ws.extensions);
  });
  ws.on("error", (e) => { console.error(e.message); process.exit(1); });
}
