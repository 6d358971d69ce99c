// The same room on Node's `ws`: every message to every client, sender included; joins and leaves announced while the
// room has at most 1000 members, as the chat does by default (CHAT_PRESENCE_LIMIT).
//   node bench/peers/ws-server.js 8002
const { WebSocketServer, WebSocket } = require('ws');

const PRESENCE_LIMIT = 1000;
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]), path: '/chat' });
const broadcast = (text) => {
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(text);
  }
};
wss.on('connection', (socket, request) => {
  const address = request.socket.remoteAddress;
  if (wss.clients.size <= PRESENCE_LIMIT) broadcast(`[${address}] joined`);
  else socket.send(`[${address}] joined`);
  socket.on('message', (data) => broadcast(`[${address}] says: ${data}`));
  socket.on('close', () => {
    if (wss.clients.size < PRESENCE_LIMIT) broadcast(`[${address}] left`);
  });
});
wss.on('listening', () => console.log('listening'));
