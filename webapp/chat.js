// The chat page: no framework, no CDN. Every piece of user text goes into the DOM as text, never as HTML.
'use strict';

(function () {
  // Close codes after which reconnecting cannot help (README, "Close codes"): the page says why and stops.
  const TERMINAL_CLOSE_CODES = new Set([1003, 1007, 1008, 1009]);
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 15000;

  const TEXT = {
    en: {
      title: 'Chat', name: 'Name', namePlaceholder: 'optional', room: 'Room', join: 'Join', members: 'Members',
      message: 'Message', messagePlaceholder: 'Type a message', send: 'Send',
      online: 'connected', connecting: 'connecting…', offline: 'disconnected',
      joined: (name) => name + ' joined the room',
      left: (name) => name + ' left the room',
      said: (name) => name + ':',
      you: 'you',
      error: (reason) => 'Not sent: ' + reason,
      closed: (code, reason) => 'Disconnected (' + code + (reason ? ': ' + reason : '') + ').',
      retrying: (seconds) => 'Connection lost; retrying in ' + seconds + ' s.',
    },
    zh: {
      title: '聊天室', name: '名字', namePlaceholder: '可不填', room: '房间', join: '进入', members: '成员',
      message: '消息', messagePlaceholder: '请输入聊天内容', send: '发送',
      online: '已连接', connecting: '连接中…', offline: '未连接',
      // The seed's wording: "[%s]登陆聊天室", "[%s]离开聊天室", "[%s]说：%s".
      joined: (name) => '[' + name + ']登陆聊天室',
      left: (name) => '[' + name + ']离开聊天室',
      said: (name) => '[' + name + ']说：',
      you: '我',
      error: (reason) => '未发送：' + reason,
      closed: (code, reason) => '连接已关闭（' + code + (reason ? '：' + reason : '') + '）。',
      retrying: (seconds) => '连接中断，' + seconds + ' 秒后重试。',
    },
  };

  const languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  const lang = String(languages[0]).toLowerCase().startsWith('zh') ? 'zh' : 'en';
  const text = TEXT[lang];

  const el = (id) => document.getElementById(id);
  const messages = el('messages');
  const members = el('members');
  const status = el('status');
  const input = el('message');
  const sendButton = el('send');
  const nameInput = el('name');
  const roomInput = el('room');

  let socket = null;
  let me = null;
  let backoffMs = BACKOFF_FIRST_MS;
  let reconnectTimer = null;
  let seenIds = new Set();
  let memberList = [];

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = text.title;
    document.querySelectorAll('[data-i18n]').forEach((node) => { node.textContent = text[node.dataset.i18n]; });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((node) => {
      node.placeholder = text[node.dataset.i18nPlaceholder];
    });
    messages.setAttribute('aria-label', text.message);
    members.setAttribute('aria-label', text.members);
  }

  function setStatus(state) {
    status.dataset.state = state;
    status.textContent = text[state];
    sendButton.disabled = state !== 'online';
  }

  // The socket lives under the page's own context path, over wss: when the page came over https:.
  function socketUrl(room, name) {
    const base = location.pathname.replace(/[^/]*$/, '');
    const params = new URLSearchParams({ room: room });
    if (name) {
      params.set('name', name);
    }
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + base + 'chat?' + params;
  }

  function formatTime(ts) {
    const date = new Date(ts);
    return isNaN(date) ? '' : date.toLocaleTimeString(languages[0], { hour: '2-digit', minute: '2-digit' });
  }

  function atBottom() {
    return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  }

  function span(className, content) {
    const node = document.createElement('span');
    node.className = className;
    node.textContent = content;
    return node;
  }

  function appendLine(className, parts, ts) {
    const follow = atBottom();
    const item = document.createElement('li');
    item.className = className;
    if (ts) {
      const time = document.createElement('time');
      time.className = 'time';
      time.dateTime = ts;
      time.textContent = formatTime(ts);
      item.appendChild(time);
    }
    parts.forEach((part) => item.appendChild(part));
    messages.appendChild(item);
    if (follow) {
      messages.scrollTop = messages.scrollHeight;
    }
  }

  function showMessage(event) {
    if (seenIds.has(event.id)) {
      return;
    }
    seenIds.add(event.id);
    const mine = me !== null && event.user.name === me.name;
    appendLine(mine ? 'message mine' : 'message',
      [span('sender', text.said(displayName(event.user))), span('text', event.text)], event.ts);
  }

  function showNotice(className, content, ts) {
    appendLine(className, [span('text', content)], ts);
  }

  // A name the server verified (the container authenticated the user) carries a check mark no guest can have.
  function displayName(user) {
    return user.verified ? user.name + ' ✓' : user.name;
  }

  function renderMembers() {
    members.replaceChildren(...memberList.map((user) => {
      const item = document.createElement('li');
      item.appendChild(span('name', displayName(user) + (me && user.name === me.name ? ' (' + text.you + ')' : '')));
      if (user.address !== user.name) {
        item.appendChild(span('address', user.address));
      }
      return item;
    }));
  }

  const handlers = {
    welcome(event) {
      me = event.you;
      backoffMs = BACKOFF_FIRST_MS;
      setStatus('online');
      memberList = event.members.slice();
      renderMembers();
      event.history.forEach(showMessage);
    },
    join(event) {
      if (!memberList.some((user) => user.name === event.user.name)) {
        memberList.push(event.user);
        renderMembers();
      }
      showNotice('notice', text.joined(event.user.name), event.ts);
    },
    leave(event) {
      memberList = memberList.filter((user) => user.name !== event.user.name);
      renderMembers();
      showNotice('notice', text.left(event.user.name), event.ts);
    },
    message: showMessage,
    error(event) {
      showNotice('error', text.error(event.reason), event.ts);
    },
  };

  function connect() {
    clearTimeout(reconnectTimer);
    const room = roomInput.value.trim() || 'lobby';
    const name = nameInput.value.trim();
    const ws = new WebSocket(socketUrl(room, name));
    socket = ws;
    setStatus('connecting');
    ws.onmessage = (frame) => {
      let event;
      try {
        event = JSON.parse(frame.data);
      } catch (e) {
        return;
      }
      const handle = handlers[event.type];
      if (handle) {
        handle(event);
      }
    };
    ws.onclose = (close) => {
      if (socket !== ws) {
        return; // replaced by a newer connection on purpose
      }
      setStatus('offline');
      memberList = [];
      renderMembers();
      if (TERMINAL_CLOSE_CODES.has(close.code)) {
        showNotice('error', text.closed(close.code, close.reason));
        return;
      }
      // Backoff with jitter, so a restarted server is not hit by every page at once.
      const delay = Math.round(backoffMs / 2 + Math.random() * backoffMs / 2);
      backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
      showNotice('notice', text.retrying((delay / 1000).toFixed(1)));
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  function join(event) {
    event.preventDefault();
    const room = roomInput.value.trim() || 'lobby';
    localStorage.setItem('chat.name', nameInput.value.trim());
    localStorage.setItem('chat.room', room);
    const url = new URL(location.href);
    url.searchParams.set('room', room);
    history.replaceState(null, '', url);
    if (socket) {
      const old = socket;
      socket = null;
      old.close(1000);
    }
    messages.replaceChildren();
    seenIds = new Set();
    me = null;
    backoffMs = BACKOFF_FIRST_MS;
    connect();
  }

  function send(event) {
    event.preventDefault();
    const body = input.value;
    if (!body.trim() || !socket || socket.readyState !== WebSocket.OPEN) {
      return;
    }
    socket.send(JSON.stringify({ type: 'message', text: body }));
    input.value = '';
    input.focus();
  }

  applyLanguage();
  nameInput.value = localStorage.getItem('chat.name') || '';
  roomInput.value = new URLSearchParams(location.search).get('room') || localStorage.getItem('chat.room') || 'lobby';
  el('join-form').addEventListener('submit', join);
  el('send-form').addEventListener('submit', send);
  setStatus('offline');
  connect();
})();
