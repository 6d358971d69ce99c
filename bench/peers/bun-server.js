// The same room on Bun's built-in server (uWebSockets): one topic, server.publish reaches every subscriber,
// sender included (ws.publish would skip the sender); joins and leaves announced while the room has at most 1000
// members, as the chat does by default (CHAT_PRESENCE_LIMIT).
//   node_modules/.bin/bun bench/peers/bun-server.js 8003
const PRESENCE_LIMIT = 1000;
let members = 0;
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.argv[2]),
  fetch(request, server) {
    const address = server.requestIP(request)?.address;
    if (new URL(request.url).pathname === '/chat' && server.upgrade(request, { data: { address } })) return;
    return new Response('not found', { status: 404 });
  },
  websocket: {
    open(ws) {
      ws.subscribe('room');
      members++;
      if (members <= PRESENCE_LIMIT) server.publish('room', `[${ws.data.address}] joined`);
      else ws.send(`[${ws.data.address}] joined`);
    },
    message(ws, message) {
      server.publish('room', `[${ws.data.address}] says: ${message}`);
    },
    close(ws) {
      members--;
      if (members < PRESENCE_LIMIT) server.publish('room', `[${ws.data.address}] left`);
    },
  },
});
console.log('listening');
