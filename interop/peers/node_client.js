// Echo check with Node's ws as the client: node node_client.js ws://host:port/echo
"use strict";
const WebSocket = require("ws");
const url = process.argv[2];
const msgs = ["", "hello κόσμε 🚀", Buffer.from([0, 1, 2, 255]), "é".repeat(70000), Buffer.alloc(1 << 20, 7)];
const ws = new WebSocket(url);
let i = 0;
const timer = setTimeout(() => { console.error("timeout"); process.exit(2); }, 20000);
ws.on("open", () => { ws.ping("hi"); ws.send(msgs[0]); });
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
  console.log("ok");
});
ws.on("error", (e) => { console.error(e.message); process.exit(1); });
