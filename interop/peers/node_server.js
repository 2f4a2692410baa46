// Echo server with Node's ws: prints its port, echoes until killed (wss with cert.pem key.pem).
"use strict";
const WebSocket = require("ws");
let wss;
if (process.argv.length > 3) { // wss: node node_server.js cert.pem key.pem
  const fs = require("fs");
  const server = require("https").createServer({ cert: fs.readFileSync(process.argv[2]), key: fs.readFileSync(process.argv[3]) });
  wss = new WebSocket.Server({ server, maxPayload: 8 << 20 });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
} else {
  wss = new WebSocket.Server({ host: "127.0.0.1", port: 0, maxPayload: 8 << 20 });
  wss.on("listening", () => console.log(wss.address().port));
}
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
