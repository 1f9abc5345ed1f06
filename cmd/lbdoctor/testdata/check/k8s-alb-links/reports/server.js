const http = require("http");
const server = http.createServer((req, res) => res.end("ok"));
server.keepAliveTimeout = 65000;
server.listen(8080);
