const express = require('express');
const app = express();
app.get('/health', (req, res) => res.json({ ok: true }));
const server = app.listen(3000);
// Raised above the ALB's 60 s, as the docs say...
server.keepAliveTimeout = 65000;
// ...but on Node 10 headersTimeout (40 s) still cuts idle connections.
