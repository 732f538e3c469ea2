// The baseline: a bare node:http server answering what /v1/status/leader answers.
import { createServer } from "node:http";

const port = Number(process.argv[2]);
const body = JSON.stringify("127.0.0.1:4647");
createServer((_req, res) => {
	res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
	res.end(body);
}).listen(port, "127.0.0.1");
