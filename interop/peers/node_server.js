// Echo server with Node's ws: prints its port, echoes until killed.
"use strict";
const WebSocket = require("ws");
const wss = new WebSocket.Server({ host: "127.0.0.1", port: 0, maxPayload: 8 << 20 });
wss.on("listening", () => console.log(wss.address().port));
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
