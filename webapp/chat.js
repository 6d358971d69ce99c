// The chat page: no framework, no CDN. Every piece of user text goes into the DOM as text, never as HTML.
//
// Delivery rules the page keeps (README, "The page"):
// - it remembers the id of the last message it showed and reconnects with ?since=<id>, so the server sends exactly
//   what was missed, or says there is a gap;
// - it shows every message id once, however often it arrives (history after a reconnect, a resend's echo);
// - text sent while disconnected waits in an outbox, shown as pending, and is sent after reconnecting with the same
//   client id (cid); the server delivers a cid once, and the message is marked delivered when its cid comes back;
// - it keeps the resume token of its last welcome in memory only (a copied tab or a stored page must not carry it)
//   and reconnects with ?resume=<token>, so it takes its own place back even while the server still holds the old
//   connection: the same name, and the others see no leave and join;
// - a message the server could not deliver (error "unavailable": it cannot reach its store) stays pending in the
//   outbox and is sent again, same cid, with backoff, until the server confirms it;
// - when the embedding application defines window.chat.getToken (returning a token, or a promise of one), every
//   connection asks it for a token first and connects with ?token=<it>; when the server closes with 4011 (the token
//   expired) the page asks again and reconnects at once, with since and resume, so nothing is missed and the others
//   see no leave and join;
// - every room event with an id counts for since and is shown once, a removal as much as a message; a removal
//   (event "remove", also in history) replaces the removed message's line where it stood, keeping its time and id,
//   with a neutral "message removed" line: the removed text leaves the DOM; a history placeholder ("removed": true)
//   is shown as that line directly;
// - a "lost" event (the server's store came back with older data and some of the room's events are gone) is a notice
//   line in the room's order, and counts for since like a message;
// - a message whose sender is of kind "system" is a notice line; "bot" and "application" carry a badge after the name;
// - moderator controls (remove on message lines; mute, kick, ban on the other members) exist only while the last
//   welcome says this member moderates the room; the server decides, the page only offers;
// - a message refused because its sender is muted (error "muted") is never resent: the error names no message, and
//   the server refuses every message while the mute holds, so everything pending is marked not sent and leaves the
//   outbox; one the server took just before the mute still comes back, and then replaces its "not sent" line;
// - after a kick (4012) or a ban (4013) the page says so and does not reconnect.
'use strict';

(function () {
  // Close codes after which reconnecting cannot help (README, "Close codes"): the page says why and stops.
  const TERMINAL_CLOSE_CODES = new Set([1003, 1007, 1008, 1009, 4009, 4012, 4013]);
  const REPLACED = 4009;
  const TOKEN_EXPIRED = 4011;
  const KICKED = 4012;
  const BANNED = 4013;
  const MUTE_SECONDS = 600;
  const BAN_SECONDS = 86400;
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 15000;
  const TYPING_SEND_INTERVAL_MS = 2000;
  const TYPING_SHOWN_MS = 4000;

  const ZH_ACTIONS = { mute: '禁言', unmute: '解除禁言', kick: '踢出', ban: '封禁' };
  const TEXT = {
    en: {
      title: 'Chat', name: 'Name', namePlaceholder: 'optional', room: 'Room', join: 'Join', members: 'Members',
      message: 'Message', messagePlaceholder: 'Type a message', send: 'Send', newMessages: 'New messages ↓',
      online: 'connected', connecting: 'connecting…', offline: 'disconnected',
      joined: (name) => name + ' joined the room',
      left: (name) => name + ' left the room',
      said: (name) => name + ':',
      you: 'you',
      pending: 'sending…',
      typing: (names) => names.join(', ') + (names.length > 1 ? ' are typing…' : ' is typing…'),
      error: (reason) => 'Not sent: ' + reason,
      closed: (code, reason) => 'Disconnected (' + code + (reason ? ': ' + reason : '') + ').',
      replaced: 'This chat continues in another window or tab; this one stopped.',
      retrying: (seconds) => 'Connection lost; retrying in ' + seconds + ' s.',
      recovered: 'Reconnected; nothing was missed.',
      gap: 'Reconnected, but some messages may be missing: the server no longer has them.',
      lost: 'Some messages sent here around this time were lost: the server\'s store came back with older data.',
      removed: 'message removed',
      notSent: 'not sent',
      bot: 'bot', application: 'app',
      remove: 'remove', mute: 'mute', kick: 'kick', ban: 'ban',
      moderated: (target, action, until) => target + ': ' + action + (until ? ' until ' + until : ''),
      muted: (seconds) => (seconds === null ? 'You are muted.' : 'You are muted for ' + seconds + ' more seconds.'),
      kicked: 'A moderator removed you from this room. Reload the page to come back.',
      banned: 'You are banned from this room.',
    },
    zh: {
      title: '聊天室', name: '名字', namePlaceholder: '可不填', room: '房间', join: '进入', members: '成员',
      message: '消息', messagePlaceholder: '请输入聊天内容', send: '发送', newMessages: '有新消息 ↓',
      online: '已连接', connecting: '连接中…', offline: '未连接',
      // The seed's wording: "[%s]登陆聊天室", "[%s]离开聊天室", "[%s]说：%s".
      joined: (name) => '[' + name + ']登陆聊天室',
      left: (name) => '[' + name + ']离开聊天室',
      said: (name) => '[' + name + ']说：',
      you: '我',
      pending: '发送中…',
      typing: (names) => names.join('、') + ' 正在输入…',
      error: (reason) => '未发送：' + reason,
      closed: (code, reason) => '连接已关闭（' + code + (reason ? '：' + reason : '') + '）。',
      replaced: '聊天已在另一个窗口或标签页中继续，这里已停止。',
      retrying: (seconds) => '连接中断，' + seconds + ' 秒后重试。',
      recovered: '已重新连接，没有遗漏消息。',
      gap: '已重新连接，但可能缺少部分消息：服务器已不再保存它们。',
      lost: '此前不久在这里发送的部分消息已丢失：服务器的存储回到了较旧的数据。',
      removed: '消息已被删除',
      notSent: '未发送',
      bot: '机器人', application: '应用',
      remove: '删除', mute: '禁言', kick: '踢出', ban: '封禁',
      moderated: (target, action, until) => target + '：' + (ZH_ACTIONS[action] || action) + (until ? '至 ' + until : ''),
      muted: (seconds) => (seconds === null ? '你已被禁言。' : '你已被禁言，还剩 ' + seconds + ' 秒。'),
      kicked: '管理员已将你移出本房间。刷新页面即可重新进入。',
      banned: '你已被禁止进入本房间。',
    },
  };

  const el = (id) => document.getElementById(id);
  const messages = el('messages');
  const members = el('members');
  const memberCount = el('member-count');
  const status = el('status');
  const input = el('message');
  const nameInput = el('name');
  const roomInput = el('room');
  const newMessages = el('new-messages');
  const typingLine = el('typing');
  const languageButton = el('language');

  const browserLanguage = String((navigator.languages && navigator.languages[0]) || navigator.language || 'en');
  let lang = localStorage.getItem('chat.lang') || (browserLanguage.toLowerCase().startsWith('zh') ? 'zh' : 'en');
  let text = TEXT[lang];

  let socket = null;
  let me = null;
  const myNames = new Set();
  let backoffMs = BACKOFF_FIRST_MS;
  let reconnectTimer = null;
  let reconnecting = false;
  let seenIds = new Set();
  // Sender and cid of every message shown: a Redis that came back with older data forgot a message and its cid, and
  // a resend of it is then published again under a new id; it is still the same message, shown once.
  let seenCids = new Set();
  let lastMessageId = null;
  let resumeToken = null;     // from the last welcome; lets a reconnect take this member's place back
  let memberList = [];
  let outbox = [];            // {cid, text, item}: typed, not yet confirmed by the server
  let refused = new Map();    // cid -> its "not sent" line, for messages refused as muted
  let resendTimer = null;     // a resend of the outbox after "unavailable", while one is planned
  let resendBackoffMs = BACKOFF_FIRST_MS;
  const typists = new Map();  // name -> timer that expires the notice
  let lastTypingSent = 0;
  let unread = 0;

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach((node) => { node.textContent = text[node.dataset.i18n]; });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((node) => {
      node.placeholder = text[node.dataset.i18nPlaceholder];
    });
    messages.setAttribute('aria-label', text.message);
    members.setAttribute('aria-label', text.members);
    languageButton.textContent = lang === 'zh' ? 'English' : '中文';
    languageButton.lang = lang === 'zh' ? 'en' : 'zh-CN';
    status.textContent = text[status.dataset.state];
    outbox.forEach((entry) => { entry.item.querySelector('.state').textContent = text.pending; });
    renderMembers();
    renderTyping();
    updateTitle();
  }

  function setStatus(state) {
    status.dataset.state = state;
    status.textContent = text[state];
  }

  // The socket lives under the page's own context path, over wss: when the page came over https:.
  function socketUrl(room, name, token) {
    const base = location.pathname.replace(/[^/]*$/, '');
    // batch=1: under load the server packs several events into one frame, one JSON object per line.
    // binary=1: frames come as binary, the same UTF-8 JSON, which the server encodes once for every member.
    const params = new URLSearchParams({ room: room, batch: '1', binary: '1' });
    if (name) {
      params.set('name', name);
    }
    if (lastMessageId) {
      params.set('since', lastMessageId);
    }
    if (resumeToken) {
      params.set('resume', resumeToken);
    }
    if (token) {
      params.set('token', token);
    }
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + base + 'chat?' + params;
  }

  function newCid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function formatTime(ts) {
    const date = new Date(ts);
    return isNaN(date) ? '' : date.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
  }

  // When a mute or ban ends: the time today, the date and time on another day.
  function formatUntil(ts) {
    const date = new Date(ts);
    if (isNaN(date)) {
      return '';
    }
    const options = { hour: '2-digit', minute: '2-digit' };
    if (date.toDateString() !== new Date().toDateString()) {
      options.month = 'short';
      options.day = 'numeric';
    }
    return date.toLocaleString(document.documentElement.lang, options);
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

  // Text that follows the language switch: applyLanguage rewrites every [data-i18n] node.
  function translated(node, key) {
    node.dataset.i18n = key;
    node.textContent = text[key];
    return node;
  }

  function button(className, key, onClick) {
    const node = translated(document.createElement('button'), key);
    node.type = 'button';
    node.className = className;
    node.addEventListener('click', onClick);
    return node;
  }

  function line(className, parts, ts) {
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
    return item;
  }

  // Confirmed lines go above the pending outbox, so what waits always stays last.
  function appendLine(item) {
    const follow = atBottom();
    const firstPending = outbox.length ? outbox[0].item : null;
    messages.insertBefore(item, firstPending);
    if (follow) {
      messages.scrollTop = messages.scrollHeight;
    } else {
      newMessages.hidden = false;
    }
  }

  function showNotice(className, content, ts) {
    appendLine(line(className, [span('text', content)], ts));
  }

  // A name the server verified (the container authenticated the user) carries a check mark no guest can have.
  function displayName(user) {
    return user.verified ? user.name + ' ✓' : user.name;
  }

  // A person has no kind; what the operator's application posts as a bot or as itself carries a badge.
  function badge(user) {
    const key = user.kind === 'bot' ? 'bot' : user.kind === 'application' ? 'application' : null;
    return key ? translated(span('badge', ''), key) : null;
  }

  function moderating() {
    return Boolean(me && me.moderator === true);
  }

  function removeButton(id) {
    return button('mod-remove', 'remove', () => sendFrame({ type: 'remove', message: id }));
  }

  // The lines of messages that can still be removed: shown, with an id, not a placeholder, not a notice.
  function removableLines() {
    return messages.querySelectorAll('li.message[data-id]');
  }

  // Moderator controls follow the latest welcome: a reconnect may find this member a moderator no more, or now.
  function syncRemoveButtons() {
    removableLines().forEach((item) => {
      const existing = item.querySelector('.mod-remove');
      if (moderating() && !existing) {
        item.appendChild(removeButton(item.dataset.id));
      } else if (!moderating() && existing) {
        existing.remove();
      }
    });
  }

  function removedLine(id, ts) {
    const item = line('removed', [translated(span('text', ''), 'removed')], ts);
    item.dataset.id = id;
    return item;
  }

  // Every line with an id: a message, a system notice or a placeholder.
  function lineOf(id) {
    return Array.from(messages.children).find((item) => item.dataset.id === id) || null;
  }

  // An id once: true the first time, and it becomes the page's since.
  function firstSight(event) {
    if (seenIds.has(event.id)) {
      return false;
    }
    seenIds.add(event.id);
    lastMessageId = event.id;
    return true;
  }

  // A removal replaces the message's line in place, time and id kept, text gone; a message not shown is left alone.
  function removeMessage(event) {
    if (!firstSight(event)) {
      return;
    }
    const target = lineOf(event.message);
    if (target && !target.classList.contains('removed')) {
      const time = target.querySelector('.time');
      target.replaceWith(removedLine(event.message, time ? time.dateTime : null));
    }
  }

  // The store lost some of the room's events (it came back older): a notice in the room's order, counted for since.
  function showLoss(event) {
    if (!firstSight(event)) {
      return;
    }
    const notice = line('notice gap', [translated(span('text', ''), 'lost')], event.ts);
    notice.dataset.id = event.id;
    appendLine(notice);
  }

  // "muted" names no message: every one still pending is refused alike, marked not sent, and never sent again.
  function refuseOutbox() {
    outbox.forEach((entry) => {
      entry.item.classList.replace('pending', 'not-sent');
      translated(entry.item.querySelector('.state'), 'notSent');
      refused.set(entry.cid, entry.item);
    });
    outbox = [];
  }

  function showMessage(event) {
    const cidKey = event.cid ? event.user.name + '\u0000' + event.cid : null;
    if ((cidKey && seenCids.has(cidKey)) || !firstSight(event)) {
      return;
    }
    if (cidKey) {
      seenCids.add(cidKey);
    }
    const pending = event.cid ? outbox.findIndex((entry) => entry.cid === event.cid) : -1;
    if (pending >= 0) {
      outbox[pending].item.remove();
      outbox.splice(pending, 1);
      resendBackoffMs = BACKOFF_FIRST_MS; // the server orders messages again
    }
    const wasRefused = Boolean(event.cid) && refused.has(event.cid); // taken just before a mute after all
    if (wasRefused) {
      refused.get(event.cid).remove();
      refused.delete(event.cid);
    }
    if (event.removed) {
      appendLine(removedLine(event.id, event.ts));
      return;
    }
    if (event.user.kind === 'system') {
      const notice = line('notice system', [span('text', event.text)], event.ts);
      notice.dataset.id = event.id;
      appendLine(notice);
      return;
    }
    const mine = pending >= 0 || wasRefused || myNames.has(event.user.name);
    const parts = [span('sender', text.said(displayName(event.user))), badge(event.user), span('text', event.text)];
    const item = line(mine ? 'message mine' : 'message', parts.filter(Boolean), event.ts);
    item.dataset.id = event.id;
    if (moderating()) {
      item.appendChild(removeButton(event.id));
    }
    appendLine(item);
    stopTyping(event.user.name);
    if (document.hidden) {
      unread++;
      updateTitle();
    }
  }

  function updateTitle() {
    document.title = (unread > 0 ? '(' + unread + ') ' : '') + text.title;
  }

  function renderMembers() {
    memberCount.textContent = memberList.length ? '(' + memberList.length + ')' : '';
    members.replaceChildren(...memberList.map((user) => {
      const item = document.createElement('li');
      const self = me && user.name === me.name;
      item.dataset.name = user.name;
      item.appendChild(span('name', displayName(user) + (self ? ' (' + text.you + ')' : '')));
      const kind = badge(user);
      if (kind) {
        item.appendChild(kind);
      }
      if (user.address && user.address !== user.name) {
        item.appendChild(span('address', user.address));
      }
      if (moderating() && !self) {
        const actions = span('mod-actions', '');
        actions.append(
          button('mod-mute', 'mute', () => sendFrame({ type: 'mute', name: user.name, seconds: MUTE_SECONDS })),
          button('mod-kick', 'kick', () => sendFrame({ type: 'kick', name: user.name })),
          button('mod-ban', 'ban', () => sendFrame({ type: 'ban', name: user.name, seconds: BAN_SECONDS })));
        item.appendChild(actions);
      }
      return item;
    }));
  }

  function renderTyping() {
    typingLine.textContent = typists.size ? text.typing(Array.from(typists.keys())) : '';
  }

  function stopTyping(name) {
    if (typists.has(name)) {
      clearTimeout(typists.get(name));
      typists.delete(name);
      renderTyping();
    }
  }

  function sendFrame(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(payload));
      return true;
    }
    return false;
  }

  function flushOutbox() {
    outbox.forEach((entry) => sendFrame({ type: 'message', text: entry.text, cid: entry.cid }));
  }

  // The server could not order a message: everything still pending goes again later, once, however many failed.
  function resendLater() {
    if (resendTimer !== null) {
      return;
    }
    const delay = Math.round(resendBackoffMs / 2 + Math.random() * resendBackoffMs / 2);
    resendBackoffMs = Math.min(resendBackoffMs * 2, BACKOFF_MAX_MS);
    resendTimer = setTimeout(() => {
      resendTimer = null;
      flushOutbox();
    }, delay);
  }

  const handlers = {
    welcome(event) {
      me = event.you;
      myNames.add(me.name);
      resumeToken = event.resume || null;
      backoffMs = BACKOFF_FIRST_MS;
      setStatus('online');
      memberList = event.members.slice();
      renderMembers();
      syncRemoveButtons();
      event.history.forEach((past) => (past.type === 'remove' ? removeMessage(past)
        : past.type === 'lost' ? showLoss(past) : showMessage(past)));
      if (reconnecting) {
        showNotice(event.gap ? 'notice gap' : 'notice', event.gap ? text.gap : text.recovered, event.ts);
        reconnecting = false;
      }
      flushOutbox();
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
      stopTyping(event.user.name);
      showNotice('notice', text.left(event.user.name), event.ts);
    },
    message: showMessage,
    remove: removeMessage,
    lost: showLoss,
    moderated(event) { // to this moderator alone: its mute, unmute, kick or ban took effect
      const until = event.until ? formatUntil(event.until) : '';
      showNotice('notice moderated', text.moderated(event.target, event.action, until), event.ts);
    },
    typing(event) {
      const name = event.user.name;
      clearTimeout(typists.get(name));
      typists.set(name, setTimeout(() => stopTyping(name), TYPING_SHOWN_MS));
      renderTyping();
    },
    error(event) {
      if (event.code === 'unavailable') {
        resendLater(); // the message stays pending; nothing to show but its state
        return;
      }
      if (event.code === 'muted') {
        refuseOutbox();
        showNotice('notice muted', text.muted(typeof event.seconds === 'number' ? event.seconds : null), event.ts);
        return;
      }
      showNotice('error', text.error(event.reason), event.ts);
    },
  };

  const utf8 = new TextDecoder();

  // Asks the embedding application for a token when it offers window.chat.getToken, then opens the socket. Only the
  // latest attempt opens one: a join while a token is still being fetched supersedes it.
  let connectAttempt = 0;
  function connect() {
    clearTimeout(reconnectTimer);
    const attempt = ++connectAttempt;
    const hook = window.chat && typeof window.chat.getToken === 'function' ? window.chat.getToken : null;
    if (!hook) {
      open(null);
      return;
    }
    setStatus('connecting');
    Promise.resolve().then(() => hook()).then(
      (token) => { if (attempt === connectAttempt) { open(token || null); } },
      () => { if (attempt === connectAttempt) { setStatus('offline'); retryLater(); } });
  }

  function retryLater() {
    // Backoff with jitter, so a restarted server is not hit by every page at once.
    const delay = Math.round(backoffMs / 2 + Math.random() * backoffMs / 2);
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    if (!reconnecting) {
      showNotice('notice', text.retrying((delay / 1000).toFixed(1)));
    }
    reconnecting = true;
    reconnectTimer = setTimeout(connect, delay);
  }

  function open(token) {
    const room = roomInput.value.trim() || 'lobby';
    const ws = new WebSocket(socketUrl(room, nameInput.value.trim(), token));
    ws.binaryType = 'arraybuffer';
    socket = ws;
    setStatus('connecting');
    ws.onmessage = (frame) => {
      const text = typeof frame.data === 'string' ? frame.data : utf8.decode(frame.data);
      for (const line of text.split('\n')) {
        let event;
        try {
          event = JSON.parse(line);
        } catch (e) {
          continue;
        }
        const handle = handlers[event.type];
        if (handle) {
          handle(event);
        }
      }
    };
    ws.onclose = (close) => {
      if (socket !== ws) {
        return; // replaced by a newer connection on purpose
      }
      setStatus('offline');
      memberList = [];
      renderMembers();
      typists.forEach((timer) => clearTimeout(timer));
      typists.clear();
      renderTyping();
      if (TERMINAL_CLOSE_CODES.has(close.code)) {
        const known = { [REPLACED]: text.replaced, [KICKED]: text.kicked, [BANNED]: text.banned };
        showNotice('error', known[close.code] || text.closed(close.code, close.reason));
        return;
      }
      if (close.code === TOKEN_EXPIRED) { // a new token, and back at once: the server keeps the place meanwhile
        reconnecting = true;
        connect();
        return;
      }
      retryLater();
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
    outbox = [];
    refused = new Map();
    clearTimeout(resendTimer);
    resendTimer = null;
    seenIds = new Set();
    seenCids = new Set();
    lastMessageId = null;
    resumeToken = null;
    me = null;
    reconnecting = false;
    backoffMs = BACKOFF_FIRST_MS;
    connect();
  }

  // Sent at once when connected; otherwise kept, shown as pending, and sent after reconnecting.
  function send(event) {
    event.preventDefault();
    const body = input.value;
    if (!body.trim()) {
      return;
    }
    const cid = newCid();
    const item = line('message mine pending',
      [span('sender', text.said(me ? me.name : text.you)), span('text', body), span('state', text.pending)]);
    item.dataset.cid = cid;
    outbox.push({ cid: cid, text: body, item: item });
    messages.appendChild(item);
    messages.scrollTop = messages.scrollHeight;
    sendFrame({ type: 'message', text: body, cid: cid });
    input.value = '';
    input.focus();
  }

  function typed() {
    const now = Date.now();
    if (input.value && now - lastTypingSent > TYPING_SEND_INTERVAL_MS && sendFrame({ type: 'typing' })) {
      lastTypingSent = now;
    }
  }

  applyLanguage();
  nameInput.value = localStorage.getItem('chat.name') || '';
  roomInput.value = new URLSearchParams(location.search).get('room') || localStorage.getItem('chat.room') || 'lobby';
  el('join-form').addEventListener('submit', join);
  el('send-form').addEventListener('submit', send);
  input.addEventListener('input', typed);
  messages.addEventListener('scroll', () => { if (atBottom()) { newMessages.hidden = true; } });
  newMessages.addEventListener('click', () => {
    messages.scrollTop = messages.scrollHeight;
    newMessages.hidden = true;
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      unread = 0;
      updateTitle();
    }
  });
  languageButton.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    text = TEXT[lang];
    localStorage.setItem('chat.lang', lang);
    applyLanguage();
  });
  setStatus('offline');
  connect();
})();
