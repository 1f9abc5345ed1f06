#!/usr/bin/env node
const http=require("http");const s=http.createServer(()=>{});s.listen(1);
